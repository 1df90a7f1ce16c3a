// Truncation conformance (unit tests, no stack): over-long posts full of URLs, mentions, hashtags,
// cashtags and emoji sequences, cut at every limit from 20 to 280 X-weighted characters. No cut
// lands inside a URL, mention, hashtag, cashtag or grapheme (ZWJ family, flag, skin tone, keycap),
// and every entity left in the post is one the text had, whole.
import assert from "node:assert/strict";
import { validatorFor } from "../../supabase/functions/_shared/adapters/registry.ts";
import { parseTweet } from "../../supabase/functions/_shared/adapters/twitter-text.ts";
import { adaptContent } from "../../supabase/functions/_shared/scheduling/adapt.ts";
import {
  ELLIPSIS,
  protectedSpans,
  truncateSmartly,
} from "../../supabase/functions/_shared/scheduling/truncate.ts";

const weighted = (text: string) => parseTweet(text).weightedLength;

/** Over-long texts whose word boundaries fall inside links, tags and emoji sequences. */
const TEXTS = [
  "Read the full guide at https://demo.local/blog/five-budgeting-habits-that-actually-work-for-families?ref=newsletter&part=2 before payday, then tell us how it went in the comments below, we read every single one.",
  "Thanks to @alice_budgets and @bob_saves_money and @carol.invests for the tips in this thread about saving for a house deposit while renting in an expensive city with rising prices everywhere.",
  "Our favourite tags this week: #PersonalFinance #BudgetingTips #SavingMoney #DebtFree #FinancialIndependence #MoneyMatters #FrugalLiving #InvestingForBeginners #RetireEarly #EmergencyFund",
  "Markets today: $AAPL up, $MSFT flat, $GOOGL down, $AMZN up again; see demo.local/markets/today-at-a-glance-with-all-the-charts-and-the-numbers for the charts and the full numbers.",
  "Family budget night 👨‍👩‍👧‍👦👨‍👩‍👧‍👦👨‍👩‍👧‍👦 with snacks 🍿🍿🍿 and flags 🇺🇸🇬🇧🇩🇪🇫🇷🇯🇵 and thumbs 👍🏽👍🏿👍🏻 and keycaps 1️⃣2️⃣3️⃣4️⃣5️⃣ all the way down the spreadsheet, every single month of the year.",
  "家計簿をつけ始めて三か月、毎月の支出がはっきり見えるようになりました。詳しくは https://demo.local/ja/blog/kakeibo-no-hajimekata-to-tsuzukeru-kotsu を読んでください。#家計簿 #節約 #貯金",
  "Links back to back: https://demo.local/a-long-path-one https://demo.local/a-long-path-two https://demo.local/a-long-path-three https://demo.local/a-long-path-four https://demo.local/a-long-path-five",
  "Ask @demo_money_team anything about #RetirementPlanning or #TaxSeason at https://demo.local/ask-us-anything-session-2026-with-the-whole-team-live-on-stream 🎙️🎧 tonight at eight, we will answer live.",
  "https://example.com/starts-with-a-link-that-is-very-long-indeed-and-goes-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on and then some words after it that push the post over the limit for sure, because a link counts twenty-three characters whatever its length, so the words after it have to do the rest of the work.",
];

const graphemeEnds = (text: string) =>
  new Set(
    [...new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(text)].map((s) =>
      s.index + s.segment.length
    ),
  );

/** Every rule a cut of `text` into `out` must keep. */
function assertCleanCut(text: string, out: string, max: number) {
  const where = `limit ${max}: ${JSON.stringify(out)}`;
  assert.ok(weighted(out) <= max, `over the limit, ${where}`);
  if (out === "") return;
  const core = out.endsWith(ELLIPSIS) ? out.slice(0, -ELLIPSIS.length).trimEnd() : out;
  assert.ok(text.startsWith(core), `not a prefix of the text, ${where}`);
  const cutAt = core.length;
  const entities = protectedSpans(text);
  const broken = entities.find((e) => e.start < cutAt && cutAt < e.end);
  assert.equal(broken, undefined, `cut inside ${text.slice(broken?.start, broken?.end)}, ${where}`);
  assert.ok(cutAt === text.length || graphemeEnds(text).has(cutAt), `inside a grapheme, ${where}`);
  for (const kept of protectedSpans(out)) {
    assert.ok(
      entities.some((e) => e.start === kept.start && e.end === kept.end),
      `${out.slice(kept.start, kept.end)} is not an entity of the text, ${where}`,
    );
  }
}

Deno.test("truncate conformance: no cut inside a URL, mention, hashtag, cashtag or emoji sequence, at any limit", () => {
  for (const text of TEXTS) {
    assert.ok(weighted(text) > 140, `an over-long text: ${text.slice(0, 40)}`);
    for (let max = 20; max <= 280; max += 3) {
      const out = truncateSmartly(text, (t) => weighted(t) <= max);
      assertCleanCut(text, out, max);
    }
  }
});

Deno.test("truncate: a word cut after a URL sets the ellipsis apart, so it is no part of the link", () => {
  const url = "https://demo.local/blog/a-long-slug";
  const text = `See ${url} and a lot more words after it that cannot possibly fit here`;
  const out = truncateSmartly(text, (t) => t.length <= url.length + 8);
  assert.equal(out, `See ${url} ${ELLIPSIS}`);
});

Deno.test("truncate: a URL that cannot fit whole is left out, not cut", () => {
  const text = "Read https://demo.local/blog/five-budgeting-habits-that-work today";
  const out = truncateSmartly(text, (t) => t.length <= 30);
  assert.equal(out, `Read${ELLIPSIS}`);
});

Deno.test("x: over-long posts adapted for X keep every link, mention and hashtag whole", async () => {
  const x = {
    id: "00000000-0000-4000-8000-000000000001",
    client_id: "c",
    kind: "x" as const,
    name: "X",
    publish_config: {},
    credentials_secret_id: null,
    max_content_length: null,
    max_title_length: null,
  };
  for (const text of TEXTS) {
    for (const max of [60, 100, 180, 280]) {
      const platform = { ...x, max_content_length: max };
      const { content, errors } = await adaptContent(
        {
          title: null,
          body: text,
          mediaUrls: [],
          linkUrl: null,
          keywords: [],
          topics: [],
        },
        platform,
        { campaign: "camp", validate: validatorFor(platform) },
      );
      assert.deepEqual(errors, []);
      const whole = new Set(protectedSpans(text).map((e) => text.slice(e.start, e.end)));
      for (const e of protectedSpans(content.body)) {
        const kept = content.body.slice(e.start, e.end).replace(/\s*…$/, "");
        assert.ok(whole.has(kept), `${kept} is cut from a longer one in ${content.body}`);
      }
      assert.ok(weighted(content.body) <= max, content.body);
    }
  }
});
