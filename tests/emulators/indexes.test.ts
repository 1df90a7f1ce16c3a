/** The emulators' per-request bookkeeping: route matching, rolling windows, due queues, indexes. */
import assert from "node:assert/strict";
import {
  DueQueue,
  type EmulatorDefinition,
  Index,
  json,
  type RunningEmulator,
  serveEmulator,
  Timestamps,
} from "../../dev/emulators/framework.ts";
import { instagramEmulator } from "../../dev/emulators/instagram.ts";
import { linkedinEmulator } from "../../dev/emulators/linkedin.ts";
import { wordpressEmulator } from "../../dev/emulators/wordpress.ts";
import { DEFAULT_X_ACCOUNT, xEmulator } from "../../dev/emulators/x.ts";
import { XAdapter } from "../../supabase/functions/_shared/adapters/x.ts";
import { platformRow } from "../adapters/helpers.ts";

Deno.test("framework: Timestamps counts a rolling window exactly, also with the clock set back", () => {
  const t = new Timestamps();
  for (const at of [1000, 2000, 3000]) t.add("a", at);
  t.add("b", 2500);
  assert.equal(t.countAfter("a", 1000), 2, "later than the bound only");
  assert.equal(t.countAfter("a", 0), 3);
  assert.equal(t.countAfter("none", 0), 0);
  t.add("a", 1500); // the clock was set back
  assert.equal(t.countAfter("a", 1400), 3);
  t.forget("a", 1500);
  assert.equal(t.countAfter("a", 0), 2, "1000 and 1500 forgotten");
  assert.equal(t.countAfter("b", 0), 1, "keys are separate");
  for (let i = 0; i < 5000; i++) t.add("c", i);
  t.forget("c", 3999);
  assert.equal(t.countAfter("c", -1), 1000, "compacted, still exact");
  assert.equal(t.countAfter("c", 4998), 1);
});

Deno.test("framework: DueQueue hands out items once due, earliest first", () => {
  const q = new DueQueue<string>();
  for (const [at, item] of [[30, "c"], [10, "a"], [20, "b"], [40, "d"], [10, "a2"]] as const) {
    q.add(at, item);
  }
  assert.deepEqual(q.takeDue(5), []);
  assert.deepEqual(q.takeDue(20).sort(), ["a", "a2", "b"]);
  assert.deepEqual(q.takeDue(20), [], "taken once");
  assert.deepEqual(q.takeDue(100), ["c", "d"]);
});

Deno.test("framework: Index files items under keys", () => {
  const index = new Index<{ id: number }>();
  const one = { id: 1 };
  const two = { id: 2 };
  index.add("k", one);
  index.add("k", two);
  index.remove("k", one);
  index.remove("other", two);
  assert.deepEqual(index.get("k"), [two]);
  index.remove("k", two);
  assert.deepEqual(index.get("k"), []);
});

function routesEmulator(): EmulatorDefinition<null> {
  const echo = (name: string) => (req: { params: Record<string, string> }) =>
    json({ route: name, params: req.params });
  return {
    name: "routes",
    state: null,
    routes: [
      { method: "GET", path: "/things/:id", handle: echo("thing") },
      { method: "GET", path: "/things/:id/parts/", handle: echo("parts") },
      { method: "POST", path: "/things/:id", handle: echo("post") },
    ],
    routePath: (url) => url.searchParams.get("route") ?? url.pathname,
    faults: {
      rateLimited: () => json({}, 429),
      revokedToken: () => json({}, 401),
      serverError: (status) => json({}, status),
    },
  };
}

async function withEmu<S>(
  def: EmulatorDefinition<S>,
  fn: (emu: RunningEmulator<S>, clock: { now: Date }) => Promise<void>,
) {
  const clock = { now: new Date("2026-11-24T12:00:00Z") };
  const emu = serveEmulator(def, { clock: () => clock.now });
  try {
    await fn(emu, clock);
  } finally {
    await emu.close();
  }
}

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

async function call(url: string, init: RequestInit = {}) {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Json };
}

Deno.test("framework: routes match literal and :param segments, params decoded", () =>
  withEmu(routesEmulator(), async (emu) => {
    const get = (path: string) => call(`${emu.origin}${path}`);
    assert.deepEqual((await get("/things/a%20b")).body, { route: "thing", params: { id: "a b" } });
    assert.equal((await get("/things/7/parts/")).body.route, "parts");
    assert.equal((await get("/things/7/parts")).status, 404, "trailing slash is literal");
    assert.equal((await get("/things/")).status, 404, "a parameter is never empty");
    assert.equal((await get("/things/1/2")).status, 404);
    assert.equal((await call(`${emu.origin}/things/9`, { method: "POST" })).body.route, "post");
    // A rewritten path is canonicalised as a URL path is before matching; recorded as given.
    const rewritten = await get(`/?route=${encodeURIComponent("/x/../things/a b")}`);
    assert.deepEqual(rewritten.body, { route: "thing", params: { id: "a b" } });
    assert.equal(emu.requests().at(-1)?.path, "/x/../things/a b");
    assert.throws(
      () =>
        serveEmulator({
          ...routesEmulator(),
          routes: [{ ...routesEmulator().routes[0], path: "/a/*" }],
        }),
      /unsupported route path syntax/,
    );
  }));

Deno.test("x emulator: the same text is a duplicate until the first tweet is deleted", () =>
  withEmu(xEmulator(), async (emu) => {
    const adapter = new XAdapter(platformRow("x", { base_url: emu.origin }), {
      app_key: DEFAULT_X_ACCOUNT.app_key,
      app_secret: DEFAULT_X_ACCOUNT.app_secret,
      access_token: DEFAULT_X_ACCOUNT.access_token,
      access_secret: DEFAULT_X_ACCOUNT.access_secret,
    });
    const first = await adapter.publish({ body: "same words" }, { attemptId: "1" });
    assert.ok(first.ok);
    const again = await adapter.publish({ body: "same words" }, { attemptId: "2" });
    assert.equal(again.ok, false);
    assert.ok((await adapter.delete(first.externalId)).ok);
    assert.ok((await adapter.publish({ body: "same words" }, { attemptId: "3" })).ok);
  }));

Deno.test("linkedin emulator: the duplicate check follows edits and deletes", () =>
  withEmu(linkedinEmulator(), async (emu) => {
    const headers = {
      authorization: "Bearer emu-linkedin-token",
      "linkedin-version": "202611",
      "x-restli-protocol-version": "2.0.0",
      "content-type": "application/json",
    };
    const create = async (commentary: string) => {
      const res = await fetch(`${emu.origin}/rest/posts`, {
        method: "POST",
        headers,
        body: JSON.stringify({
          author: "urn:li:organization:10001",
          commentary,
          visibility: "PUBLIC",
          distribution: { feedDistribution: "MAIN_FEED" },
          lifecycleState: "PUBLISHED",
        }),
      });
      await res.body?.cancel();
      return { status: res.status, id: res.headers.get("x-restli-id") ?? "" };
    };
    const edit = async (id: string, commentary: string) => {
      const res = await fetch(`${emu.origin}/rest/posts/${encodeURIComponent(id)}`, {
        method: "POST",
        headers: { ...headers, "x-restli-method": "PARTIAL_UPDATE" },
        body: JSON.stringify({ patch: { $set: { commentary } } }),
      });
      await res.body?.cancel();
      return res.status;
    };
    const a = await create("alpha");
    assert.equal(a.status, 201);
    assert.equal((await create("alpha")).status, 422);
    assert.equal(await edit(a.id, "beta"), 204);
    assert.equal((await create("alpha")).status, 201, "alpha is free after the edit");
    assert.equal((await create("beta")).status, 422, "beta is taken by the edit");
    const del = await fetch(`${emu.origin}/rest/posts/${encodeURIComponent(a.id)}`, {
      method: "DELETE",
      headers,
    });
    await del.body?.cancel();
    assert.equal((await create("beta")).status, 201, "beta is free after the delete");
  }));

Deno.test("wordpress emulator: a future post rescheduled later flips at its new date", () =>
  withEmu(wordpressEmulator({ users: { admin: "pw" } }), async (emu, clock) => {
    const headers = {
      authorization: `Basic ${btoa("admin:pw")}`,
      "content-type": "application/json",
    };
    const at = (minutes: number) =>
      new Date(clock.now.getTime() + minutes * 60_000).toISOString().slice(0, 19);
    const created = await call(`${emu.origin}/wp-json/wp/v2/posts`, {
      method: "POST",
      headers,
      body: JSON.stringify({ title: "t", status: "publish", date_gmt: at(10) }),
    });
    assert.equal(created.body.status, "future");
    const url = `${emu.origin}/wp-json/wp/v2/posts/${created.body.id}`;
    await call(url, { method: "POST", headers, body: JSON.stringify({ date_gmt: at(30) }) });
    clock.now = new Date(clock.now.getTime() + 20 * 60_000);
    assert.equal((await call(url, { headers })).body.status, "future", "not at its old date");
    clock.now = new Date(clock.now.getTime() + 10 * 60_000);
    assert.equal((await call(url, { headers })).body.status, "publish");
  }));

Deno.test("instagram emulator: the 24 h publishing cap rolls with the clock", () =>
  withEmu(instagramEmulator({ postsPer24h: 2, imageProcessingMs: 0 }), async (emu, clock) => {
    const base = `${emu.origin}/v23.0/17841400000000001`;
    const post = (path: string, params: Record<string, string>) =>
      call(`${base}/${path}?${new URLSearchParams({ ...params, access_token: "ig-token" })}`, {
        method: "POST",
      });
    const publish = async () => {
      const container = await post("media", { image_url: "https://cdn.example.com/a.jpg" });
      return post("media_publish", { creation_id: container.body.id });
    };
    const usage = async () =>
      (await call(`${base}/content_publishing_limit?access_token=ig-token`)).body.data[0]
        .quota_usage;
    assert.equal((await publish()).status, 200);
    clock.now = new Date(clock.now.getTime() + 12 * 3_600_000);
    assert.equal((await publish()).status, 200);
    assert.equal(await usage(), 2);
    assert.equal((await publish()).body.error.error_subcode, 2207042);
    clock.now = new Date(clock.now.getTime() + 12 * 3_600_000);
    assert.equal(await usage(), 1, "the first left the window");
    assert.equal((await publish()).status, 200);
  }));
