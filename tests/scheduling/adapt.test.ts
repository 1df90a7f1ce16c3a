// Content adaptation per platform (unit tests, no stack): truncation boundaries measured each
// platform's way, hashtags that do or do not fit, Markdown to sanitized HTML or plain text, UTM.
import assert from "node:assert/strict";
import { instagramCaption } from "../../supabase/functions/_shared/adapters/instagram.ts";
import { escapeCommentary } from "../../supabase/functions/_shared/adapters/linkedin.ts";
import { validatorFor } from "../../supabase/functions/_shared/adapters/registry.ts";
import { parseTweet } from "../../supabase/functions/_shared/adapters/twitter-text.ts";
import type { PlatformKind } from "../../supabase/functions/_shared/adapters/types.ts";
import {
  adaptContent,
  type AdaptOptions,
  type AdaptPlatform,
  type CategoryResolver,
  type SourceContent,
} from "../../supabase/functions/_shared/scheduling/adapt.ts";
import { hashtagsFor, toHashtag } from "../../supabase/functions/_shared/scheduling/hashtags.ts";
import {
  markdownToHtml,
  markdownToText,
} from "../../supabase/functions/_shared/scheduling/markdown.ts";
import { truncateSmartly } from "../../supabase/functions/_shared/scheduling/truncate.ts";
import { utmFor, withUtm } from "../../supabase/functions/_shared/scheduling/utm.ts";

const CONFIG: Record<PlatformKind, Record<string, unknown>> = {
  wordpress: { base_url: "http://127.0.0.1:9" },
  x: {},
  linkedin: { author_urn: "urn:li:organization:1" },
  youtube: {},
  email: { list_id: "l", from_name: "Demo", reply_to: "news@demo.local" },
  instagram: { ig_user_id: "1" },
  tiktok: { privacy_level: "PUBLIC_TO_EVERYONE" },
  podcast: { feed_url: "https://demo.local/feed.xml" },
};

function platform(kind: PlatformKind, extra: Partial<AdaptPlatform> = {}): AdaptPlatform {
  return {
    id: `00000000-0000-4000-8000-00000000000${kind.length % 10}`,
    client_id: "c",
    kind,
    name: `Test ${kind}`,
    publish_config: CONFIG[kind],
    credentials_secret_id: null,
    max_content_length: null,
    max_title_length: null,
    ...extra,
  };
}

function source(extra: Partial<SourceContent> = {}): SourceContent {
  return {
    title: "Five budgeting habits",
    body: "Short body.",
    mediaUrls: [],
    linkUrl: null,
    keywords: [],
    topics: [],
    ...extra,
  };
}

async function adapt(p: AdaptPlatform, s: SourceContent, options: Partial<AdaptOptions> = {}) {
  return await adaptContent(s, p, {
    campaign: "camp-1",
    validate: validatorFor(p),
    ...options,
  });
}

const sentence = (i: number) => `Sentence number ${i} says something useful about money.`;
const paragraph = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => sentence(from + i)).join(" ");
const weighted = (text: string) => parseTweet(text).weightedLength;

// ---------------------------------------------------------------------------------------------
// truncateSmartly

Deno.test("truncate: text that fits is unchanged", () => {
  assert.equal(truncateSmartly("Hello there.", (s) => s.length <= 12), "Hello there.");
});

Deno.test("truncate: cuts at the last sentence boundary that fits, without an ellipsis", () => {
  const text = "First sentence here. Second sentence here. Third sentence is long.";
  const out = truncateSmartly(text, (s) => s.length <= 50);
  assert.equal(out, "First sentence here. Second sentence here.");
});

Deno.test("truncate: falls back to a word boundary with an ellipsis when a sentence keeps too little", () => {
  const text = "Hi. This sentence is very long and keeps going well past the limit we set.";
  const out = truncateSmartly(text, (s) => s.length <= 40);
  assert.ok(out.endsWith("…"), out);
  assert.ok(out.length <= 40);
  assert.match(out, /^Hi\. This sentence is very long and\b/);
  assert.ok(!/\s…$/.test(out), "no space before the ellipsis");
});

Deno.test("truncate: one giant word is cut at a grapheme boundary, never inside an emoji", () => {
  const text = "👩‍👩‍👧‍👦".repeat(30);
  const out = truncateSmartly(text, (s) => s.length <= 40);
  assert.ok(out.length <= 40);
  assert.ok(out.endsWith("…"));
  const family = "👩‍👩‍👧‍👦";
  assert.equal(out.slice(0, -1).split(family).join(""), "", "only whole emoji sequences");
});

Deno.test("truncate: abbreviations do not end a sentence", () => {
  const text = "Dr. Smith met Mr. Jones at 5 p.m. on Monday. They talked for hours and hours.";
  const out = truncateSmartly(text, (s) => s.length <= 60);
  assert.equal(out, "Dr. Smith met Mr. Jones at 5 p.m. on Monday.");
});

// ---------------------------------------------------------------------------------------------
// Markdown

Deno.test("markdown: HTML is sanitized (<script>, handlers, javascript: links removed)", () => {
  const html = markdownToHtml(
    "Hello **world**\n\n<script>alert(1)</script>\n\n" +
      '<p onclick="steal()">click</p>\n\n[bad](javascript:alert(1)) [good](https://demo.local)',
  );
  assert.match(html, /<strong>world<\/strong>/);
  assert.ok(!/script|alert|onclick|javascript/i.test(html), html);
  assert.match(html, /<a href="https:\/\/demo\.local">good<\/a>/);
});

Deno.test("markdown: a leading heading that repeats the title is dropped", () => {
  const html = markdownToHtml("# Five budgeting habits\n\nBody.", {
    title: "Five budgeting habits",
  });
  assert.equal(html, "<p>Body.</p>");
  const other = markdownToHtml("# Another heading\n\nBody.", { title: "Five budgeting habits" });
  assert.match(other, /<h1>Another heading<\/h1>/);
});

Deno.test("markdown: plain text keeps lists and link targets, drops markup and merge tags", () => {
  const text = markdownToText(
    "# Title\n\nRead **this** and [that](https://demo.local/x).\n\n- one\n- two\n\n" +
      "1. first\n2. second\n\n<script>alert(1)</script>\n\nBye *|UNSUB|* now.",
    { title: "Title" },
  );
  assert.equal(
    text,
    "Read this and that (https://demo.local/x).\n\n• one\n• two\n\n1. first\n2. second\n\nBye now.",
  );
});

// ---------------------------------------------------------------------------------------------
// UTM

Deno.test("utm: added to a bare URL", () => {
  assert.equal(
    withUtm("https://demo.local/post", utmFor("x", "g1")),
    "https://demo.local/post?utm_source=x&utm_medium=social&utm_campaign=g1",
  );
});

Deno.test("utm: the existing query string and fragment are kept byte for byte", () => {
  assert.equal(
    withUtm("https://demo.local/p?b=2&a=x%20y#part-2", utmFor("email", "g1", "control")),
    "https://demo.local/p?b=2&a=x%20y&utm_source=email&utm_medium=email&utm_campaign=g1" +
      "&utm_content=control#part-2",
  );
  assert.equal(
    withUtm("https://demo.local/p?#top", utmFor("wordpress", "g1")),
    "https://demo.local/p?utm_source=wordpress&utm_medium=blog&utm_campaign=g1#top",
  );
});

Deno.test("utm: parameters the link already has win; non-http links are untouched", () => {
  assert.equal(
    withUtm("https://demo.local/p?utm_source=newsletter", utmFor("youtube", "g1")),
    "https://demo.local/p?utm_source=newsletter&utm_medium=video&utm_campaign=g1",
  );
  assert.equal(withUtm("mailto:a@b.c", utmFor("podcast", "g1")), "mailto:a@b.c");
});

// ---------------------------------------------------------------------------------------------
// Hashtags

Deno.test("hashtags: keywords become CamelCase tags, deduplicated, skipping ones in the text", () => {
  assert.equal(toHashtag("personal finance"), "#PersonalFinance");
  assert.equal(toHashtag("#saving"), "#saving");
  assert.equal(toHashtag("2025"), undefined);
  assert.deepEqual(
    hashtagsFor(["budgeting", "Budgeting", "index funds", "saving"], "Learn #saving today"),
    ["#budgeting", "#IndexFunds"],
  );
});

// ---------------------------------------------------------------------------------------------
// X

Deno.test("x: a long body is cut at a sentence within 280 weighted characters, link included", async () => {
  const link = "https://demo.local/blog/a-very-long-slug-that-is-much-longer-than-23-characters";
  const { content, errors } = await adapt(
    platform("x"),
    source({ body: paragraph(20), linkUrl: link }),
  );
  assert.deepEqual(errors, []);
  assert.ok(weighted(content.body) <= 280, `${weighted(content.body)}`);
  const [text, url] = content.body.split("\n\n");
  assert.match(text, /useful about money\.$/);
  assert.equal(url, `${link}?utm_source=x&utm_medium=social&utm_campaign=camp-1`);
  assert.equal(content.linkUrl, url);
});

Deno.test("utm: utm_content is the distribution id, in the link and in the post", async () => {
  const id = "00000000-0000-4000-8000-0000000000a1";
  const { content } = await adapt(
    platform("linkedin"),
    source({ body: paragraph(2), linkUrl: "https://demo.local/p" }),
    { distributionId: id },
  );
  const link = "https://demo.local/p?utm_source=linkedin&utm_medium=social&utm_campaign=camp-1" +
    `&utm_content=${id}`;
  assert.equal(content.linkUrl, link);
  assert.ok(content.body.includes(link), content.body);
});

Deno.test("utm: links in the body to the post's own site are tagged too, links elsewhere are not", async () => {
  const id = "00000000-0000-4000-8000-0000000000a2";
  const body = "Read [the guide](https://demo.local/guide?x=1#s) and <https://demo.local/tools>, " +
    "not [their page](https://other.example/p) or [mail](mailto:a@demo.local).";
  const utm = (kind: string, medium: string) =>
    `utm_source=${kind}&utm_medium=${medium}&utm_campaign=camp-1&utm_content=${id}`;
  const options = { distributionId: id };
  const linkUrl = "https://demo.local/article";

  const html = (text: string) => text.replaceAll("&", "&amp;");
  const wordpress = (await adapt(platform("wordpress"), source({ body, linkUrl }), options))
    .content.body;
  assert.ok(
    wordpress.includes(
      `href="https://demo.local/guide?x=1&amp;${html(utm("wordpress", "blog"))}#s"`,
    ),
    wordpress,
  );
  // an autolink keeps the URL readers see; its href is tagged
  assert.ok(
    wordpress.includes(
      `href="https://demo.local/tools?${
        html(utm("wordpress", "blog"))
      }">https://demo.local/tools</a>`,
    ),
    wordpress,
  );
  assert.ok(wordpress.includes('href="https://other.example/p"'), wordpress);
  assert.ok(wordpress.includes('href="mailto:a@demo.local"'), wordpress);

  const email = (await adapt(platform("email"), source({ body, linkUrl }), options)).content.body;
  assert.ok(
    email.includes(`href="https://demo.local/tools?${html(utm("email", "email"))}"`),
    email,
  );

  const linkedin = (await adapt(platform("linkedin"), source({ body, linkUrl }), options))
    .content.body;
  // plain text: a named link shows its URL after the text; an autolink is the tagged URL itself
  assert.ok(
    linkedin.includes(`the guide (https://demo.local/guide?x=1&${utm("linkedin", "social")}#s)`),
    linkedin,
  );
  assert.ok(linkedin.includes(` https://demo.local/tools?${utm("linkedin", "social")},`), linkedin);
  assert.ok(linkedin.includes("their page (https://other.example/p)"), linkedin);

  const x = (await adapt(platform("x"), source({ body, linkUrl }), options)).content.body;
  assert.ok(x.includes(`the guide (https://demo.local/guide?x=1&${utm("x", "social")}#s)`), x);

  // captions that link nothing keep their body links as written (link_url itself is not in them)
  for (const kind of ["instagram", "tiktok"] as const) {
    const caption = (await adapt(platform(kind), source({ body, linkUrl }), options)).content.body;
    assert.ok(caption.includes(" https://demo.local/tools,"), caption);
    assert.doesNotMatch(caption, /demo\.local\/[^ ]*utm_/, caption);
  }

  // without a link_url there is no site of the post's own: nothing is tagged
  const untagged = (await adapt(platform("wordpress"), source({ body }), options)).content.body;
  assert.doesNotMatch(untagged, /utm_/);
});

Deno.test("x: CJK counts double, so fewer characters fit", async () => {
  const body = "日本語の文章です。".repeat(40);
  const { content, errors } = await adapt(platform("x"), source({ body }));
  assert.deepEqual(errors, []);
  assert.ok(weighted(content.body) <= 280);
  assert.ok([...content.body].length <= 140);
  assert.ok(content.body.endsWith("。"));
});

Deno.test("x: hashtags are added only while the whole post stays within 280", async () => {
  const keywords = ["budgeting", "personal finance", "saving"];
  const short = await adapt(platform("x"), source({ body: "Short post.", keywords }));
  assert.equal(short.content.body, "Short post.\n\n#budgeting #PersonalFinance #saving");

  // 275 weighted characters of text: not even "#saving" (with its blank line) fits.
  const body = "a".repeat(274) + ".";
  const full = await adapt(platform("x"), source({ body, keywords }));
  assert.equal(full.content.body, body, "no hashtag that does not fit");
  assert.ok(weighted(full.content.body) <= 280);

  // Room for the short tag only: a longer tag is skipped, a later short one still fits.
  const room = "a".repeat(262) + ".";
  const some = await adapt(
    platform("x"),
    source({ body: room, keywords: ["personal finance", "save"] }),
  );
  assert.equal(some.content.body, `${room}\n\n#save`);
});

Deno.test("x: the row's max_content_length caps further", async () => {
  const { content } = await adapt(
    platform("x", { max_content_length: 100 }),
    source({ body: paragraph(5) }),
  );
  assert.ok(weighted(content.body) <= 100);
});

// ---------------------------------------------------------------------------------------------
// LinkedIn

Deno.test("linkedin: 3,000 characters are counted after escaping reserved characters", async () => {
  // 2,499 raw characters that escape to 3,499: four of every ten are reserved.
  const body = Array.from({ length: 250 }, () => "a(b)c[d].").join(" ");
  assert.ok(body.length < 3000 && escapeCommentary(body).length > 3000);
  const { content, errors } = await adapt(
    platform("linkedin"),
    source({ body, keywords: ["money"] }),
  );
  assert.deepEqual(errors, []);
  assert.ok(escapeCommentary(content.body).length <= 3000);
  assert.ok(content.body.length < body.length);
});

Deno.test("linkedin: hashtags are appended and fit after escaping", async () => {
  const { content, errors } = await adapt(
    platform("linkedin"),
    source({ body: "Budgets that work.", keywords: ["budgeting", "personal finance"] }),
  );
  assert.deepEqual(errors, []);
  assert.equal(content.body, "Budgets that work.\n\n#budgeting #PersonalFinance");
  assert.equal(
    escapeCommentary(content.body),
    "Budgets that work.\n\n\\#budgeting \\#PersonalFinance",
  );
});

// ---------------------------------------------------------------------------------------------
// Instagram

Deno.test("instagram: hashtags go to platformSpecific, capped by the hashtag limit from settings", async () => {
  const keywords = ["one", "two", "three", "four", "five", "six", "seven"];
  const p = platform("instagram", {
    publish_config: { ...CONFIG.instagram, limits: { maxHashtags: 5 } },
  });
  const { content, errors } = await adapt(
    p,
    source({ body: "Look at #this photo.", keywords, mediaUrls: ["https://demo.local/a.jpg"] }),
  );
  assert.deepEqual(errors, []);
  assert.equal(content.body, "Look at #this photo.");
  assert.deepEqual(content.platformSpecific?.hashtags, ["#one", "#two", "#three", "#four"]);
});

Deno.test("instagram: the caption with its hashtags stays within 2,200", async () => {
  const { content, errors } = await adapt(
    platform("instagram"),
    source({
      body: paragraph(60),
      keywords: ["budgeting", "saving"],
      mediaUrls: ["https://demo.local/a.jpg"],
    }),
  );
  assert.deepEqual(errors, []);
  assert.ok([...instagramCaption(content)].length <= 2200);
  assert.match(content.body, /money\.$/);
  assert.equal(content.linkUrl, undefined);
});

// ---------------------------------------------------------------------------------------------
// TikTok

Deno.test("tiktok: 2,200 is counted in UTF-16 units (emoji count two)", async () => {
  const body = "🙂 ".repeat(1500).trim() + ".";
  const { content } = await adapt(
    platform("tiktok"),
    source({ body, mediaUrls: ["https://demo.local/v.mp4"] }),
  );
  assert.ok(content.body.length <= 2200, `${content.body.length}`);
  assert.ok(content.body.length > 2100);
});

// ---------------------------------------------------------------------------------------------
// YouTube

Deno.test("youtube: title <= 100 characters, description <= 5,000 bytes, no < or >", async () => {
  const title = "A <very> long title " + "word ".repeat(40);
  const body = "Prices in €: <b>big</b> savings. ".repeat(300);
  const { content, errors } = await adapt(
    platform("youtube"),
    source({
      title,
      body,
      keywords: ["money", "budgeting"],
      mediaUrls: ["https://demo.local/v.mp4"],
      linkUrl: "https://demo.local/watch",
    }),
  );
  assert.deepEqual(errors, []);
  assert.ok([...content.title!].length <= 100);
  assert.ok(new TextEncoder().encode(content.body).length <= 5000);
  assert.ok(!/[<>]/.test(content.title! + content.body));
  assert.deepEqual(content.platformSpecific?.tags, ["money", "budgeting"]);
  assert.ok(content.body.endsWith("utm_source=youtube&utm_medium=video&utm_campaign=camp-1"));
});

// ---------------------------------------------------------------------------------------------
// Email

Deno.test("email: HTML keeps *|UNSUB|* (not read as emphasis) and is sanitized", async () => {
  const { content } = await adapt(
    platform("email"),
    source({ body: "Hello *|FNAME|*.\n\n<script>x()</script>\n\n[Unsubscribe](*|UNSUB|*)" }),
  );
  assert.match(content.body, /Hello \*\|FNAME\|\*\./);
  assert.match(content.body, /<a href="\*\|UNSUB\|\*">Unsubscribe<\/a>/);
  assert.ok(!/<em>|script/.test(content.body), content.body);
  assert.equal((content.body.match(/\*\|UNSUB\|\*/g) ?? []).length, 1, "no second footer");
});

Deno.test("email: an unsubscribe footer is added when the body has none; subject and preview", async () => {
  const { content, errors } = await adapt(
    platform("email"),
    source({ title: "S".repeat(200), body: paragraph(10) }),
  );
  assert.deepEqual(errors, []);
  assert.match(content.body, /<a href="\*\|UNSUB\|\*">Unsubscribe<\/a><\/p>$/);
  assert.ok([...content.title!].length <= 150);
  const preview = content.platformSpecific?.preview_text as string;
  assert.ok([...preview].length <= 150 && preview.startsWith("Sentence number 0"));
});

Deno.test("email: the link (with its UTM parameters) is in the body as a Read more link", async () => {
  const id = "00000000-0000-4000-8000-0000000000e1";
  const { content, errors } = await adapt(
    platform("email"),
    source({ body: paragraph(3), linkUrl: "https://demo.local/post?a=1&b=2#top" }),
    { distributionId: id },
  );
  assert.deepEqual(errors, []);
  const link = "https://demo.local/post?a=1&b=2&utm_source=email&utm_medium=email" +
    `&utm_campaign=camp-1&utm_content=${id}#top`;
  assert.equal(content.linkUrl, link);
  const href = link.replaceAll("&", "&amp;");
  assert.ok(
    content.body.includes(`<p><a href="${href}">Read more</a></p>`),
    content.body,
  );
  assert.ok(
    content.body.indexOf("Read more") < content.body.indexOf("*|UNSUB|*"),
    "before the unsubscribe footer",
  );
  const { content: noLink } = await adapt(platform("email"), source({ body: paragraph(3) }));
  assert.ok(!noLink.body.includes("Read more"), "no link, no Read more");
});

// ---------------------------------------------------------------------------------------------
// WordPress

Deno.test("wordpress: HTML body, no hashtags, topics resolved to category ids", async () => {
  const calls: string[][] = [];
  const categories: CategoryResolver = (_p, topics) => {
    calls.push(topics);
    return Promise.resolve({ ok: true, ids: [7, 9] });
  };
  const { content, errors, warnings } = await adapt(
    platform("wordpress"),
    source({
      body: `# Five budgeting habits\n\n${paragraph(4)}\n\n<script>alert(1)</script>`,
      keywords: ["budgeting"],
      topics: ["Budgeting", "Saving"],
      linkUrl: "https://demo.local/b",
    }),
    { categories },
  );
  assert.deepEqual(errors, []);
  assert.deepEqual(warnings, []);
  assert.deepEqual(calls, [["Budgeting", "Saving"]]);
  assert.deepEqual(content.platformSpecific?.category_ids, [7, 9]);
  assert.ok(content.body.startsWith("<p>Sentence number 0"));
  assert.ok(!/script|#budgeting|<h1>/.test(content.body));
  assert.equal(
    content.linkUrl,
    "https://demo.local/b?utm_source=wordpress&utm_medium=blog&utm_campaign=camp-1",
  );
});

Deno.test("wordpress: an unresolvable category is a warning, not a failure", async () => {
  const { content, errors, warnings } = await adapt(
    platform("wordpress"),
    source({ body: paragraph(4), topics: ["Budgeting"] }),
    { categories: () => Promise.resolve({ ok: false, message: "WordPress is down" }) },
  );
  assert.deepEqual(errors, []);
  assert.deepEqual(warnings, ["categories not assigned: WordPress is down"]);
  assert.equal(content.platformSpecific?.category_ids, undefined);
});

Deno.test("wordpress: the adapter's validation errors come back (body under 100 characters)", async () => {
  const { errors } = await adapt(platform("wordpress"), source({ body: "Too short." }));
  assert.deepEqual(errors.map((e) => e.field), ["body"]);
});

Deno.test("validatorFor: a platform row the adapter rejects validates to that error", () => {
  const validate = validatorFor(platform("wordpress", { publish_config: {} }));
  const result = validate!({ title: "t", body: "x".repeat(200) });
  assert.equal(result.valid, false);
  assert.equal(result.errors[0].field, "platform.publish_config");
  assert.match(result.errors[0].message, /base_url/);
});

// ---------------------------------------------------------------------------------------------
// Podcast

Deno.test("podcast: plain-text description within 4,000 bytes, no hashtags", async () => {
  const { content } = await adapt(
    platform("podcast"),
    source({
      body: `**Show notes** ${"Ünïcödé text here. ".repeat(400)}`,
      keywords: ["debt"],
      mediaUrls: ["https://demo.local/ep.mp3"],
    }),
  );
  assert.ok(new TextEncoder().encode(content.body).length <= 4000);
  assert.ok(!content.body.includes("#") && !content.body.includes("**"));
});
