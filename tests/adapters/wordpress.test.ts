import assert from "node:assert/strict";
import { WordPressAdapter } from "../../supabase/functions/_shared/adapters/wordpress.ts";
import { serveEmulator } from "../../dev/emulators/framework.ts";
import { renderContent, wordpressEmulator } from "../../dev/emulators/wordpress.ts";
import { type ClaimedRow } from "../../supabase/functions/_shared/publishing/queue.ts";
import { runAttempt } from "../../supabase/functions/_shared/publishing/attempt.ts";
import { assertFailure, assertOk, longBody, platformRow } from "./helpers.ts";

const CREDS = { username: "editor", application_password: "abcd efgh ijkl mnop qrst uvwx" };
const content = (body = longBody(150)) => ({ title: "Hello world", body });

async function withWordPress(
  config: Record<string, unknown>,
  fn: (
    adapter: WordPressAdapter,
    emu: ReturnType<typeof serveEmulator<ReturnType<typeof wordpressEmulator>["state"]>>,
    clock: { now: Date },
  ) => Promise<void>,
) {
  const clock = { now: new Date("2026-03-02T14:00:00Z") };
  const { permalinks, ...adapterConfig } = config as { permalinks?: "plain" };
  const emu = serveEmulator(
    wordpressEmulator({ users: { editor: CREDS.application_password }, permalinks }),
    { clock: () => clock.now },
  );
  try {
    const row = platformRow("wordpress", {
      base_url: emu.origin,
      timeout_ms: 500,
      ...adapterConfig,
    });
    await fn(new WordPressAdapter(row, CREDS, { now: () => clock.now }), emu, clock);
  } finally {
    await emu.close();
  }
}

Deno.test("wordpress: publish creates exactly one post with Basic auth and the attempt marker", () =>
  withWordPress({}, async (adapter, emu) => {
    const result = await adapter.publish(content(), { attemptId: "a-1" });
    assertOk(result);
    assert.match(result.externalUrl, /\?p=\d+$/);
    const posts = emu.requests({ method: "POST", path: "/wp-json/wp/v2/posts" });
    assert.equal(posts.length, 1);
    assert.match(posts[0].headers.authorization, /^Basic /);
    assert.equal((posts[0].body as { status: string }).status, "publish");
    assert.match((posts[0].body as { content: string }).content, /<!-- dist-attempt-a-1 -->/);
    assert.equal(emu.state.posts.get(Number(result.externalId))?.status, "publish");
  }));

Deno.test("wordpress: the attempt marker is invisible to readers; the lookup still finds it", () =>
  withWordPress({}, async (adapter, emu) => {
    // The emulator renders classic content as wpautop does: a comment on its own becomes a paragraph.
    assert.equal(
      renderContent("<p>Hello.</p>\n\n<!-- dist-attempt-x -->"),
      "<p>Hello.</p>\n<p><!-- dist-attempt-x --></p>\n",
    );
    const body = `<h2>Budgeting</h2>\n<p>${longBody(150)}</p>\n<p>Second paragraph.</p>\n`;
    const published = await adapter.publish(content(body), { attemptId: "a-m" });
    assertOk(published);
    const shown = async () => {
      // What a reader's page shows: the public view of the post, no login.
      const res = await fetch(`${emu.origin}/wp-json/wp/v2/posts/${published.externalId}`);
      return ((await res.json()) as { content: { rendered: string } }).content.rendered;
    };
    const page = await shown();
    assert.ok(page.startsWith(body), page);
    assert.doesNotMatch(page, /<p>\s*<!--/);
    assert.doesNotMatch(page, /<p>\s*<\/p>/);
    const found = await adapter.findExisting({ attemptId: "a-m", content: content(body) });
    assertOk(found);
    assert.equal(found.found, true);

    // An edit renders the same way.
    assertOk(await adapter.update(published.externalId, content(`${body}<p>Edited.</p>\n`)));
    assert.equal((await shown()).trim(), `${body}<p>Edited.</p>`);
  }));

/** A claimed row as the publisher hands it to an attempt. */
const claimed = (attemptId: string): ClaimedRow => ({
  id: crypto.randomUUID(),
  attempt_id: attemptId,
  mode: "publish",
  platform_id: crypto.randomUUID(),
  client_id: crypto.randomUUID(),
  title: "Hello world",
  body: longBody(150),
  media_urls: null,
  link_url: null,
  platform_specific: {},
  scheduled_for: new Date(),
  retry_count: 0,
  native_state: null,
  native_attempt_id: null,
  external_id: null,
  external_url: null,
  unresolved_attempts: [],
});

Deno.test("wordpress without pretty permalinks: the 200 home page fails the post at once, naming the fix", () =>
  withWordPress({ permalinks: "plain" }, async (adapter, emu) => {
    const outcome = await runAttempt(adapter, claimed("a-plain"), new Date(Date.now() + 60_000));
    assert.equal(outcome.outcome, "permanent", outcome.message);
    assert.match(outcome.message ?? "", /answered 200 \(text\/html/);
    assert.match(outcome.message ?? "", /Set publish_config\.rest_style to "query"/);
    assert.match(outcome.message ?? "", /finds no such post on wordpress, so nothing was created/);
    assert.equal(emu.state.posts.size, 0, "nothing was created");
    // The look-up asked the API itself (/?rest_route=), not the home page again.
    assert.ok(
      emu.requests({ method: "GET", path: "/wp-json/wp/v2/posts" }).some((r) =>
        r.query.rest_route === "/wp/v2/posts"
      ),
    );
  }));

Deno.test("wordpress without pretty permalinks: rest_style query publishes", () =>
  withWordPress({ permalinks: "plain", rest_style: "query" }, async (adapter, emu) => {
    const outcome = await runAttempt(adapter, claimed("a-query"), new Date(Date.now() + 60_000));
    assert.equal(outcome.outcome, "published", outcome.message);
    assert.equal(emu.state.posts.size, 1);
  }));

Deno.test("wordpress: a create that got no answer and is not found stays unknown (looked up again)", () =>
  withWordPress({}, async (adapter, emu) => {
    // Without an answer WordPress may still be creating it: only an answered request proves absence.
    emu.addFault({ mode: "timeout", count: 1, holdMs: 1000 });
    const outcome = await runAttempt(adapter, claimed("a-lost"), new Date(Date.now() + 60_000));
    assert.equal(outcome.outcome, "unknown", outcome.message);
    assert.match(outcome.message ?? "", /will check again/);
  }));

Deno.test("wordpress: query-style REST route works for sites without pretty permalinks", () =>
  withWordPress({ rest_style: "query" }, async (adapter, emu) => {
    assertOk(await adapter.publish(content(), { attemptId: "a-q" }));
    assert.equal(emu.requests()[0].query.rest_route, "/wp/v2/posts");
  }));

Deno.test("wordpress: native schedule creates a future post that flips to publish when due", () =>
  withWordPress({}, async (adapter, emu, clock) => {
    const at = new Date(clock.now.getTime() + 3_600_000);
    const result = await adapter.schedule(content(), at, { attemptId: "a-2" });
    assertOk(result);
    assert.equal(result.scheduledFor.toISOString(), at.toISOString());
    const body = emu.requests({ method: "POST" })[0].body as { status: string; date_gmt: string };
    assert.deepEqual([body.status, body.date_gmt], ["future", "2026-03-02T15:00:00"]);
    const id = Number(result.externalId);
    assert.equal(emu.state.posts.get(id)?.status, "future");
    clock.now = new Date(at.getTime() + 1000);
    const found = await adapter.findExisting({ attemptId: "a-2", content: content() });
    assertOk(found);
    assert.equal(emu.state.posts.get(id)?.status, "publish");
  }));

Deno.test("wordpress: update, trash, then delete again is idempotent", () =>
  withWordPress({}, async (adapter, emu) => {
    const published = await adapter.publish(content(), { attemptId: "a-3" });
    assertOk(published);
    const updated = await adapter.update(published.externalId, {
      title: "New title",
      body: longBody(120),
    });
    assertOk(updated);
    const id = Number(published.externalId);
    assert.equal(emu.state.posts.get(id)?.title, "New title");
    const deleted = await adapter.delete(published.externalId);
    assertOk(deleted);
    assert.equal(deleted.alreadyDeleted, false);
    assert.equal(emu.state.posts.get(id)?.status, "trash");
    const again = await adapter.delete(published.externalId);
    assertOk(again);
    assert.equal(again.alreadyDeleted, true);
  }));

Deno.test("wordpress: force delete removes the post", () =>
  withWordPress({ force_delete: true }, async (adapter, emu) => {
    const published = await adapter.publish(content(), { attemptId: "a-4" });
    assertOk(published);
    assertOk(await adapter.delete(published.externalId));
    assert.equal(emu.state.posts.has(Number(published.externalId)), false);
    assert.equal(emu.requests({ method: "DELETE" })[0].query.force, "true");
    // Again (a withdrawal retried, or a DELETE the runtime sent twice): gone is gone.
    const again = await adapter.delete(published.externalId);
    assertOk(again);
    assert.equal(again.alreadyDeleted, true);
  }));

Deno.test("wordpress: findExisting finds the attempt's post and nothing for another attempt", () =>
  withWordPress({}, async (adapter) => {
    const published = await adapter.publish(content(), { attemptId: "a-5" });
    assertOk(published);
    const found = await adapter.findExisting({ attemptId: "a-5", content: content() });
    assert.deepEqual(found, {
      ok: true,
      found: true,
      externalId: published.externalId,
      externalUrl: published.externalUrl,
    });
    assert.deepEqual(await adapter.findExisting({ attemptId: "a-6", content: content() }), {
      ok: true,
      found: false,
    });
  }));

Deno.test("wordpress: metrics are empty without an analytics source, never zeros", () =>
  withWordPress({}, async (adapter, emu) => {
    const published = await adapter.publish(content(), { attemptId: "a-6" });
    assertOk(published);
    emu.clearRequests();
    const result = await adapter.getMetrics(published.externalId);
    assertOk(result);
    assert.deepEqual(result.metrics, { platform_metrics: {} });
    // only the look-up of the post itself
    assert.deepEqual(emu.requests().map((r) => r.method), ["GET"]);
  }));

Deno.test("wordpress: a post trashed or deleted on the site reads as gone", () =>
  withWordPress({}, async (adapter) => {
    const published = await adapter.publish(content(), { attemptId: "a-8" });
    assertOk(published);
    assertOk(await adapter.delete(published.externalId)); // to the trash
    const trashed = await adapter.getMetrics(published.externalId);
    assert.ok(!trashed.ok && !trashed.unsupported && trashed.gone, JSON.stringify(trashed));
    const missing = await adapter.getMetrics("987654");
    assert.ok(!missing.ok && !missing.unsupported && missing.gone, JSON.stringify(missing));
  }));

Deno.test("wordpress: metrics from a configured analytics source grow with age", () =>
  withWordPress({}, async (_adapter, emu, clock) => {
    const row = platformRow("wordpress", {
      base_url: emu.origin,
      analytics: {
        url: `${emu.origin}/wp-json/stats/v1/posts/{id}`,
        fields: { impressions: "views", clicks: "clicks" },
      },
    });
    const adapter = new WordPressAdapter(row, CREDS, { now: () => clock.now });
    const published = await adapter.publish(content(), { attemptId: "a-7" });
    assertOk(published);
    clock.now = new Date(clock.now.getTime() + 2 * 3_600_000);
    const early = await adapter.getMetrics(published.externalId);
    clock.now = new Date(clock.now.getTime() + 48 * 3_600_000);
    const late = await adapter.getMetrics(published.externalId);
    assertOk(early);
    assertOk(late);
    assert.ok((early.metrics.impressions ?? 0) > 0);
    assert.ok((late.metrics.impressions ?? 0) > (early.metrics.impressions ?? 0));
    assert.equal(late.metrics.likes, undefined);
    assert.equal(typeof late.metrics.platform_metrics.views, "number");
  }));

Deno.test("wordpress: ensureCategories finds existing and creates missing categories", () =>
  withWordPress({}, async (adapter, emu) => {
    const result = await adapter.ensureCategories(["Uncategorized", "News & Views"]);
    assertOk(result);
    assert.equal(result.ids[0], 1);
    const again = await adapter.ensureCategories(["news & views"]);
    assertOk(again);
    assert.equal(again.ids[0], result.ids[1]);
    assert.equal(emu.requests({ method: "POST", path: "/wp-json/wp/v2/categories" }).length, 1);
  }));

Deno.test("wordpress: failure classes", async (t) => {
  await withWordPress({}, async (adapter, emu) => {
    await t.step("5xx -> transient", async () => {
      emu.addFault({ mode: "5xx", count: 1, status: 500 });
      const f = assertFailure(await adapter.publish(content(), { attemptId: "f1" }), "transient");
      assert.match(f.message, /critical error/);
    });
    await t.step("429 -> rate_limited with Retry-After reset", async () => {
      emu.addFault({ mode: "rate_limit", count: 1, resetInSeconds: 120 });
      const f = assertFailure(
        await adapter.publish(content(), { attemptId: "f2" }),
        "rate_limited",
      );
      assert.equal(f.resetAt?.toISOString(), "2026-03-02T14:02:00.000Z");
    });
    await t.step("revoked application password -> auth", async () => {
      emu.addFault({ mode: "revoke_token", count: 1 });
      const f = assertFailure(await adapter.publish(content(), { attemptId: "f3" }), "auth");
      assert.equal(f.platformCode, "incorrect_password");
    });
    await t.step("HTML 200 -> failure with unknown outcome", async () => {
      emu.addFault({ mode: "html_200", count: 1 });
      const f = assertFailure(await adapter.publish(content(), { attemptId: "f4" }), "transient");
      assert.equal(f.outcome, "unknown");
    });
    await t.step(
      "timeout after processing -> unknown outcome, then findExisting finds it",
      async () => {
        emu.addFault({ mode: "timeout", count: 1, afterProcessing: true });
        const f = assertFailure(await adapter.publish(content(), { attemptId: "f5" }), "transient");
        assert.equal(f.outcome, "unknown");
        const found = await adapter.findExisting({ attemptId: "f5", content: content() });
        assertOk(found);
        assert.equal(found.found, true);
      },
    );
    await t.step("invalid status -> permanent with WordPress' message", async () => {
      const f = assertFailure(await adapter.update("999999", content()), "permanent");
      assert.equal(f.message, "Invalid post ID.");
      assert.equal(f.status, 404);
    });
  });
});

Deno.test("wordpress: wrong application password -> auth", async () => {
  const emu = serveEmulator(wordpressEmulator({ users: { editor: CREDS.application_password } }));
  try {
    const adapter = new WordPressAdapter(
      platformRow("wordpress", { base_url: emu.origin }),
      { ...CREDS, application_password: "wrong" },
    );
    assertFailure(await adapter.publish(content(), { attemptId: "w" }), "auth");
  } finally {
    await emu.close();
  }
});

Deno.test("wordpress: an image in mediaUrls is uploaded to /wp/v2/media and becomes featured", () =>
  withWordPress({}, async (adapter, emu) => {
    const image = `${emu.origin}/__emulator/media/Hero.Shot.png?bytes=2048`;
    const result = await adapter.publish(
      { ...content(), mediaUrls: [`${emu.origin}/__emulator/media/clip.mp4`, image] },
      { attemptId: "a-img" },
    );
    assertOk(result);
    const uploads = emu.requests({ method: "POST", path: "/wp-json/wp/v2/media" });
    assert.equal(uploads.length, 1, "only the image, once");
    assert.equal(uploads[0].headers["content-type"], "image/png");
    assert.equal(uploads[0].headers["content-disposition"], 'attachment; filename="Hero-Shot.png"');
    assert.match(uploads[0].headers.authorization, /^Basic /);
    assert.deepEqual(uploads[0].body, { bytes: 2048 });
    const media = [...emu.state.media.values()].find((m) => m.filename === "Hero-Shot.png");
    assert.ok(media);
    const post = emu.state.posts.get(Number(result.externalId))!;
    assert.equal(post.featured_media, media.id);
    const found = await adapter.findExisting({ attemptId: "a-img", content: content() });
    assertOk(found);
    assert.equal(found.found && found.externalId, result.externalId);
  }));

Deno.test("wordpress: a given featured_media is used as is; no image, no upload", () =>
  withWordPress({}, async (adapter, emu) => {
    const image = `${emu.origin}/__emulator/media/a.jpg`;
    const given = await adapter.publish(
      { ...content(), mediaUrls: [image], platformSpecific: { featured_media: 42 } },
      { attemptId: "a-given" },
    );
    assertOk(given);
    assert.equal(emu.state.posts.get(Number(given.externalId))?.featured_media, 42);
    assertOk(await adapter.publish(content(longBody(160)), { attemptId: "a-none" }));
    assert.equal(emu.requests({ path: "/wp-json/wp/v2/media" }).length, 0);
  }));

Deno.test("wordpress: featured image upload failures come before any post", async (t) => {
  await withWordPress({}, async (adapter, emu) => {
    const image = `${emu.origin}/__emulator/media/a.jpg`;
    await t.step("the image cannot be fetched -> permanent", async () => {
      const f = assertFailure(
        await adapter.publish({ ...content(), mediaUrls: [`${emu.origin}/gone.jpg`] }, {
          attemptId: "f1",
        }),
        "permanent",
      );
      assert.match(f.message, /fetching .*gone\.jpg failed/);
    });
    await t.step("5xx on the upload -> transient, not applied", async () => {
      emu.addFault({ mode: "5xx", count: 1, status: 502, path: "/wp-json/wp/v2/media" });
      const f = assertFailure(
        await adapter.publish({ ...content(), mediaUrls: [image] }, { attemptId: "f2" }),
        "transient",
      );
      assert.equal(f.outcome, "not_applied", "no post can exist: it was never sent");
      assert.match(f.message, /uploading the featured image failed/);
    });
    assert.equal(emu.requests({ method: "POST", path: "/wp-json/wp/v2/posts" }).length, 0);
  });
});

Deno.test("wordpress emulator: /wp/v2/media auth, roles, empty body and file types", async () => {
  const users = { editor: CREDS.application_password, helper: "zzzz zzzz zzzz zzzz zzzz zzzz" };
  const emu = serveEmulator(wordpressEmulator({ users, roles: { helper: "contributor" } }));
  const upload = async (headers: Record<string, string>, body: BodyInit | null) => {
    const res = await fetch(`${emu.origin}/wp-json/wp/v2/media`, { method: "POST", headers, body });
    return { status: res.status, body: await res.json() };
  };
  const basic = (user: string, password: string) => `Basic ${btoa(`${user}:${password}`)}`;
  const editor = basic("editor", CREDS.application_password);
  const png = {
    "content-type": "image/png",
    "content-disposition": 'attachment; filename="a.png"',
  };
  try {
    const anonymous = await upload(png, new Uint8Array(10));
    assert.deepEqual([anonymous.status, anonymous.body.code], [401, "rest_cannot_create"]);
    const contributor = await upload(
      { ...png, authorization: basic("helper", users.helper) },
      new Uint8Array(10),
    );
    assert.deepEqual([contributor.status, contributor.body.code], [403, "rest_cannot_create"]);
    const empty = await upload({ ...png, authorization: editor }, null);
    assert.deepEqual([empty.status, empty.body.code], [400, "rest_upload_no_data"]);
    const noName = await upload(
      { authorization: editor, "content-type": "image/png" },
      new Uint8Array(10),
    );
    assert.equal(noName.body.code, "rest_upload_no_content_disposition");
    const exe = await upload({
      authorization: editor,
      "content-type": "application/x-msdownload",
      "content-disposition": 'attachment; filename="a.exe"',
    }, new Uint8Array(10));
    assert.equal(exe.body.code, "rest_upload_sideload_error");
    const ok = await upload({ ...png, authorization: editor }, new Uint8Array(10));
    assert.equal(ok.status, 201);
    assert.equal(ok.body.mime_type, "image/png");
    assert.match(ok.body.source_url, /\/wp-content\/uploads\/\d{4}\/\d{2}\/a\.png$/);
    assert.ok(emu.state.media.has(ok.body.id));
  } finally {
    await emu.close();
  }
});
