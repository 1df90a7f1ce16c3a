import assert from "node:assert/strict";
import {
  escapeCommentary,
  LinkedInAdapter,
} from "../../supabase/functions/_shared/adapters/linkedin.ts";
import { type RunningEmulator, serveEmulator } from "../../dev/emulators/framework.ts";
import {
  DEFAULT_LINKEDIN_GRANT,
  DEFAULT_LINKEDIN_MEMBER,
  expireLinkedInTokens,
  linkedinEmulator,
  type LinkedInEmulatorOptions,
  type LinkedInState,
} from "../../dev/emulators/linkedin.ts";
import { assertFailure, assertOk, platformRow } from "./helpers.ts";

const TOKEN = { access_token: DEFAULT_LINKEDIN_MEMBER.access_token };
const PERSON = DEFAULT_LINKEDIN_MEMBER.person_urn;
const ORG = DEFAULT_LINKEDIN_MEMBER.organizations[0];

async function withLinkedIn(
  fn: (
    adapter: LinkedInAdapter,
    emu: RunningEmulator<LinkedInState>,
    clock: { now: Date },
  ) => Promise<void>,
  config: Record<string, unknown> = {},
  options: LinkedInEmulatorOptions = {},
) {
  const clock = { now: new Date("2026-11-24T15:30:00Z") };
  const emu = serveEmulator(linkedinEmulator(options), { clock: () => clock.now });
  try {
    const row = platformRow("linkedin", {
      base_url: emu.origin,
      author_urn: PERSON,
      timeout_ms: 500,
      ...config,
    });
    await fn(new LinkedInAdapter(row, TOKEN, { now: () => clock.now }), emu, clock);
  } finally {
    await emu.close();
  }
}

Deno.test("linkedin: escapes every reserved character", () => {
  assert.equal(
    escapeCommentary("a|b{c}d@e[f]g(h)i<j>k#l*m_n~o\\p"),
    "a\\|b\\{c\\}d\\@e\\[f\\]g\\(h\\)i\\<j\\>k\\#l\\*m\\_n\\~o\\\\p",
  );
});

Deno.test("linkedin: publish sends one post with the versioning headers; URN from x-restli-id", () =>
  withLinkedIn(async (adapter, emu) => {
    const body = "Launch (beta) #news @team [link] <3 *bold* _it_ ~x~ | {y}";
    const result = await adapter.publish({ body }, { attemptId: "a1" });
    assertOk(result);
    assert.match(result.externalId, /^urn:li:share:\d+$/);
    assert.equal(result.externalUrl, `https://www.linkedin.com/feed/update/${result.externalId}`);
    const posts = emu.requests({ method: "POST", path: "/rest/posts" });
    assert.equal(posts.length, 1);
    assert.equal(posts[0].headers["linkedin-version"], "202610");
    assert.equal(posts[0].headers["x-restli-protocol-version"], "2.0.0");
    assert.equal(posts[0].headers.authorization, `Bearer ${TOKEN.access_token}`);
    // Escaped, so LinkedIn keeps the whole text instead of truncating at "(".
    assert.equal(emu.state.posts.get(result.externalId)?.commentary, escapeCommentary(body));
  }));

Deno.test("linkedin: the emulator truncates unescaped commentary as LinkedIn does", () =>
  withLinkedIn(async (_adapter, emu) => {
    const res = await fetch(`${emu.origin}/rest/posts`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${TOKEN.access_token}`,
        "linkedin-version": "202610",
        "x-restli-protocol-version": "2.0.0",
        "content-type": "application/json",
      },
      body: JSON.stringify({
        author: PERSON,
        commentary: "Hello (world)",
        visibility: "PUBLIC",
        distribution: { feedDistribution: "MAIN_FEED" },
        lifecycleState: "PUBLISHED",
      }),
    });
    await res.body?.cancel();
    const urn = res.headers.get("x-restli-id")!;
    assert.equal(emu.state.posts.get(urn)?.commentary, "Hello ");
  }));

Deno.test("linkedin: PARTIAL_UPDATE and idempotent 204 delete", () =>
  withLinkedIn(async (adapter, emu) => {
    const published = await adapter.publish({ body: "first" }, { attemptId: "a" });
    assertOk(published);
    assertOk(await adapter.update(published.externalId, { body: "second (edited)" }));
    const update = emu.requests({ method: "POST", path: "/rest/posts/" })[0];
    assert.equal(update.headers["x-restli-method"], "PARTIAL_UPDATE");
    assert.deepEqual(update.body, { patch: { $set: { commentary: "second \\(edited\\)" } } });
    assert.equal(emu.state.posts.get(published.externalId)?.commentary, "second \\(edited\\)");
    assertOk(await adapter.delete(published.externalId));
    assertOk(await adapter.delete(published.externalId));
    assert.equal(emu.state.posts.get(published.externalId)?.deleted, true);
  }));

Deno.test("linkedin: findExisting lists the author's posts", () =>
  withLinkedIn(async (adapter) => {
    const published = await adapter.publish({ body: "find me #1" }, { attemptId: "a" });
    assertOk(published);
    const found = await adapter.findExisting({ attemptId: "a", content: { body: "find me #1" } });
    assertOk(found);
    assert.equal(found.found && found.externalId, published.externalId);
    assert.deepEqual(await adapter.findExisting({ attemptId: "b", content: { body: "nope" } }), {
      ok: true,
      found: false,
    });
  }));

Deno.test("linkedin: member metrics from socialActions only; impressions absent", () =>
  withLinkedIn(async (adapter, emu, clock) => {
    const published = await adapter.publish({ body: "member post" }, { attemptId: "a" });
    assertOk(published);
    clock.now = new Date(clock.now.getTime() + 30 * 3_600_000);
    const result = await adapter.getMetrics(published.externalId);
    assertOk(result);
    assert.equal(typeof result.metrics.likes, "number");
    assert.equal(typeof result.metrics.comments, "number");
    assert.equal(result.metrics.impressions, undefined);
    assert.equal(emu.requests({ path: "/rest/organizationalEntityShareStatistics" }).length, 0);
  }));

Deno.test("linkedin: organization metrics add share statistics", () =>
  withLinkedIn(async (adapter, emu, clock) => {
    const published = await adapter.publish({ body: "org post" }, { attemptId: "a" });
    assertOk(published);
    clock.now = new Date(clock.now.getTime() + 30 * 3_600_000);
    const result = await adapter.getMetrics(published.externalId);
    assertOk(result);
    assert.ok((result.metrics.impressions ?? 0) > 0);
    assert.equal(typeof result.metrics.reach, "number");
    assert.equal(typeof result.metrics.shares, "number");
    const stats = emu.requests({ path: "/rest/organizationalEntityShareStatistics" })[0];
    assert.equal(stats.query.shares, `List(${published.externalId})`);
  }, { author_urn: ORG }));

Deno.test("linkedin: failure classes", async (t) => {
  await withLinkedIn(async (adapter, emu) => {
    await t.step("5xx -> transient", async () => {
      emu.addFault({ mode: "5xx", count: 1, status: 500 });
      assertFailure(await adapter.publish({ body: "p1" }, { attemptId: "1" }), "transient");
    });
    await t.step("429 without headers -> rate_limited until midnight UTC", async () => {
      emu.addFault({ mode: "rate_limit", count: 1 });
      const f = assertFailure(
        await adapter.publish({ body: "p2" }, { attemptId: "2" }),
        "rate_limited",
      );
      assert.equal(f.resetAt?.toISOString(), "2026-11-25T00:00:00.000Z");
    });
    await t.step("duplicate -> permanent DUPLICATE_POST", async () => {
      assertOk(await adapter.publish({ body: "dup" }, { attemptId: "3" }));
      const f = assertFailure(
        await adapter.publish({ body: "dup" }, { attemptId: "4" }),
        "permanent",
      );
      assert.equal(f.platformCode, "DUPLICATE_POST");
      assert.equal(f.message, "Duplicate post is detected");
    });
    await t.step("revoked token -> auth", async () => {
      emu.addFault({ mode: "revoke_token", count: 1 });
      const f = assertFailure(await adapter.publish({ body: "p5" }, { attemptId: "5" }), "auth");
      assert.equal(f.platformCode, "REVOKED_ACCESS_TOKEN");
    });
    await t.step("HTML 200 -> failure", async () => {
      emu.addFault({ mode: "html_200", count: 1 });
      assertFailure(await adapter.getMetrics("urn:li:share:1"), "transient");
    });
    await t.step("201 without x-restli-id -> unknown outcome", async () => {
      emu.addFault({ mode: "html_200", count: 1 });
      const f = assertFailure(
        await adapter.publish({ body: "p6" }, { attemptId: "6" }),
        "transient",
      );
      assert.equal(f.outcome, "unknown");
    });
    await t.step("timeout -> unknown outcome", async () => {
      emu.addFault({ mode: "timeout", count: 1, afterProcessing: true });
      const f = assertFailure(
        await adapter.publish({ body: "p7" }, { attemptId: "7" }),
        "transient",
      );
      assert.equal(f.outcome, "unknown");
      const found = await adapter.findExisting({ attemptId: "7", content: { body: "p7" } });
      assertOk(found);
      assert.equal(found.found, true);
    });
  });
});

Deno.test("linkedin: posting as an organization the member does not admin -> auth (scope)", () =>
  withLinkedIn(async (adapter) => {
    const f = assertFailure(await adapter.publish({ body: "x" }, { attemptId: "a" }), "auth");
    assert.equal(f.status, 403);
  }, { author_urn: "urn:li:organization:999" }));

Deno.test("linkedin: an outdated LinkedIn-Version -> permanent 426", () =>
  withLinkedIn(async (adapter) => {
    const f = assertFailure(await adapter.publish({ body: "x" }, { attemptId: "a" }), "permanent");
    assert.equal(f.status, 426);
    assert.equal(f.platformCode, "NONEXISTENT_VERSION");
  }, { api_version: "202401" }));

Deno.test("linkedin: the daily member cap answers 429 without headers", () =>
  withLinkedIn(
    async (adapter, emu) => {
      assertOk(await adapter.publish({ body: "one" }, { attemptId: "1" }));
      const f = assertFailure(
        await adapter.publish({ body: "two" }, { attemptId: "2" }),
        "rate_limited",
      );
      assert.equal(f.resetAt?.toISOString(), "2026-11-25T00:00:00.000Z");
      assert.equal(emu.state.posts.size, 1);
    },
    {},
    { postsPerMemberPerDay: 1 },
  ));

// ---------------------------------------------------------------------------------------------
// OAuth2: 60-day access tokens, renewed with an approved app's refresh token.

const REFRESH = {
  refresh_token: DEFAULT_LINKEDIN_GRANT.refresh_token,
  client_id: DEFAULT_LINKEDIN_GRANT.client_id,
  client_secret: DEFAULT_LINKEDIN_GRANT.client_secret,
};

function refreshingLinkedIn(
  emu: RunningEmulator<LinkedInState>,
  clock: { now: Date },
  creds: object,
) {
  const row = platformRow("linkedin", {
    base_url: emu.origin,
    token_url: `${emu.origin}/oauth/v2/accessToken`,
    author_urn: PERSON,
    timeout_ms: 500,
  });
  return new LinkedInAdapter(row, creds as typeof REFRESH, { now: () => clock.now });
}

const linkedinTokens = (emu: RunningEmulator<LinkedInState>) =>
  emu.requests({ method: "POST", path: "/oauth/v2/accessToken" });

Deno.test("linkedin oauth: a refresh token renews the access token before it expires", () =>
  withLinkedIn(async (_adapter, emu, clock) => {
    const adapter = refreshingLinkedIn(emu, clock, REFRESH);
    assertOk(await adapter.publish({ body: "first" }, { attemptId: "l1" }));
    const [token] = linkedinTokens(emu);
    assert.deepEqual(token.body, { grant_type: "refresh_token", ...REFRESH });
    clock.now = new Date(clock.now.getTime() + 60 * 86_400_000 - 30_000); // 30 s before expiry
    assertOk(await adapter.publish({ body: "second" }, { attemptId: "l2" }));
    assert.equal(linkedinTokens(emu).length, 2, "renewed ahead of the expiry");
    const posts = emu.requests({ method: "POST", path: "/rest/posts" });
    assert.equal(posts.length, 2, "no post refused and sent again");
    const issued = [...emu.state.issued.keys()];
    assert.deepEqual(posts.map((p) => p.headers.authorization), issued.map((t) => `Bearer ${t}`));
  }));

Deno.test("linkedin oauth: an expired token without a refresh token -> auth, nothing posted", () =>
  withLinkedIn(async (_adapter, emu, clock) => {
    const adapter = refreshingLinkedIn(emu, clock, REFRESH);
    assertOk(await adapter.publish({ body: "with a renewable token" }, { attemptId: "l3" }));
    const [issued] = emu.state.issued.keys();
    expireLinkedInTokens(emu.state);
    const stale = refreshingLinkedIn(emu, clock, { access_token: issued });
    const f = assertFailure(await stale.publish({ body: "expired" }, { attemptId: "l4" }), "auth");
    assert.match(f.message, /expired/);
    assert.equal(emu.state.posts.size, 1);
  }));

Deno.test("linkedin: findExisting pages through a busy author's posts, and says 'not known yet' past its pages", () =>
  withLinkedIn(async (adapter, emu, clock) => {
    const body = "the post a reclaimed attempt looks for";
    const published = await adapter.publish({ body }, { attemptId: "a" });
    assertOk(published);
    const author = emu.state.posts.get(published.externalId)!.author;
    let n = 0;
    const postLater = (count: number) => {
      for (let i = 0; i < count; i++) {
        const id = `urn:li:share:busy${n++}`;
        const at = new Date(clock.now.getTime() + n * 1000);
        emu.state.posts.set(id, {
          id,
          author,
          commentary: `busy ${id}`,
          visibility: "PUBLIC",
          createdAt: at,
          lastModifiedAt: at,
          deleted: false,
        });
      }
    };
    const listReads = () => emu.requests({ method: "GET", path: "/rest/posts" }).length;

    postLater(70); // ours is on the second page of 50
    const found = await adapter.findExisting({ attemptId: "a", content: { body } });
    assertOk(found);
    assert.equal(found.found && found.externalId, published.externalId);
    assert.equal(listReads(), 2, "two pages read");
    assert.deepEqual(
      await adapter.findExisting({ attemptId: "b", content: { body: "never sent" } }),
      { ok: true, found: false },
    );

    postLater(500); // more than 10 pages of 50
    const before = listReads();
    const undecided = assertFailure(
      await adapter.findExisting({ attemptId: "c", content: { body: "never sent" } }),
      "transient",
    );
    assert.equal(undecided.outcome, "unknown");
    assert.match(undecided.message, /more than 500 recent posts/);
    assert.equal(listReads() - before, 10, "stops at lookupMaxPages");
  }));
