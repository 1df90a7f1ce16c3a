/** The shared classifier and net/api-client.ts on their own. */
import assert from "node:assert/strict";
import {
  classifyNetworkError,
  classifyResponse,
  type ErrorProfile,
  resetTime,
  valuesAt,
} from "../../supabase/functions/_shared/net/classify.ts";
import { defaultHttpDeps, HttpClient } from "../../supabase/functions/_shared/net/api-client.ts";
import { relayTo } from "../adapters/relay.ts";
import { nextMidnight } from "../../supabase/functions/_shared/adapters/zoned-time.ts";
import { z } from "zod";

const NOW = new Date("2026-03-07T12:00:00Z");
const PROFILE: ErrorProfile = {
  platform: "Test",
  messagePaths: ["detail", "errors.*.message"],
  codePaths: ["errors.*.code"],
  rules: [
    { status: 403, path: "detail", includes: "duplicate", errorClass: "permanent" },
    { path: "errors.*.code", equals: 190, errorClass: "auth" },
    {
      path: "errors.*.code",
      equals: 4,
      errorClass: "rate_limited",
      reset: { kind: "after", seconds: 60 },
    },
  ],
  rateLimitReset: { kind: "midnight", timeZone: "UTC" },
};

const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
  status,
  headers: new Headers(headers),
  body,
  text: JSON.stringify(body),
});
const classify = (status: number, body: unknown = {}, headers = {}, method = "POST") =>
  classifyResponse(PROFILE, answer(status, body, headers), { method, now: NOW });

Deno.test("classify: status defaults", () => {
  assert.equal(classify(500).errorClass, "transient");
  assert.equal(classify(503).errorClass, "transient");
  assert.equal(classify(408).errorClass, "transient");
  assert.equal(classify(401).errorClass, "auth");
  assert.equal(classify(400).errorClass, "permanent");
  assert.equal(classify(404).errorClass, "permanent");
  assert.equal(classify(429).errorClass, "rate_limited");
});

Deno.test("classify: outcome unknown only where a write may have happened", () => {
  assert.equal(classify(500).outcome, "not_applied");
  assert.equal(classify(502).outcome, "unknown");
  assert.equal(classify(504).outcome, "unknown");
  assert.equal(classify(504, {}, {}, "GET").outcome, "not_applied");
});

Deno.test("classify: declarative rules match body paths, with and without status", () => {
  const dup = classify(403, {
    detail: "You are not allowed to create a Tweet with Duplicate content.",
  });
  assert.equal(dup.errorClass, "permanent");
  assert.equal(dup.message, "You are not allowed to create a Tweet with Duplicate content.");
  const token = classify(400, { errors: [{ code: 1 }, { code: 190, message: "Token expired" }] });
  assert.equal(token.errorClass, "auth");
  assert.equal(token.message, "Token expired");
  const throttled = classify(400, { errors: [{ code: 4 }] });
  assert.equal(throttled.errorClass, "rate_limited");
  assert.equal(throttled.resetAt?.toISOString(), "2026-03-07T12:01:00.000Z");
});

Deno.test("classify: rate-limit reset from x-rate-limit-reset, Retry-After or the platform default", () => {
  assert.equal(
    classify(429, {}, { "x-rate-limit-reset": "1772885400" }).resetAt?.toISOString(),
    "2026-03-07T12:10:00.000Z",
  );
  assert.equal(
    classify(429, {}, { "retry-after": "30" }).resetAt?.toISOString(),
    "2026-03-07T12:00:30.000Z",
  );
  assert.equal(
    classify(429, {}, { "retry-after": "Sat, 07 Mar 2026 13:00:00 GMT" }).resetAt?.toISOString(),
    "2026-03-07T13:00:00.000Z",
  );
  assert.equal(classify(429).resetAt?.toISOString(), "2026-03-08T00:00:00.000Z");
  assert.equal(
    resetTime(new Headers(), { kind: "after", seconds: 900 }, NOW).toISOString(),
    "2026-03-07T12:15:00.000Z",
  );
});

Deno.test("zoned time: next midnight Pacific across daylight saving changes", () => {
  const pacific = "America/Los_Angeles";
  // Standard time (UTC-8).
  assert.equal(
    nextMidnight(pacific, new Date("2026-03-07T12:00:00Z")).toISOString(),
    "2026-03-08T08:00:00.000Z",
  );
  // DST starts 2026-03-08 02:00: the next midnight (Mar 9) is UTC-7.
  assert.equal(
    nextMidnight(pacific, new Date("2026-03-08T12:00:00Z")).toISOString(),
    "2026-03-09T07:00:00.000Z",
  );
  // DST ends 2026-11-01.
  assert.equal(
    nextMidnight(pacific, new Date("2026-11-01T12:00:00Z")).toISOString(),
    "2026-11-02T08:00:00.000Z",
  );
  // Just before midnight local.
  assert.equal(
    nextMidnight(pacific, new Date("2026-07-01T06:59:59Z")).toISOString(),
    "2026-07-01T07:00:00.000Z",
  );
  assert.equal(
    nextMidnight("UTC", new Date("2026-07-01T00:00:00Z")).toISOString(),
    "2026-07-02T00:00:00.000Z",
  );
});

Deno.test("classify: valuesAt walks arrays", () => {
  assert.deepEqual(valuesAt({ a: [{ b: 1 }, { b: 2 }, {}] }, "a.*.b"), [1, 2]);
  assert.deepEqual(valuesAt("html", "a.b"), []);
});

Deno.test("classify: network errors — refused is not applied, timeout is unknown", () => {
  const refused = classifyNetworkError(
    PROFILE,
    new TypeError("tcp connect error: Connection refused"),
    {
      method: "POST",
      now: NOW,
      timedOut: false,
    },
  );
  assert.deepEqual([refused.errorClass, refused.outcome], ["transient", "not_applied"]);
  const timeout = classifyNetworkError(PROFILE, new Error("aborted"), {
    method: "POST",
    now: NOW,
    timedOut: true,
  });
  assert.deepEqual([timeout.errorClass, timeout.outcome], ["transient", "unknown"]);
});

Deno.test("http: a refused connection, a timeout and a non-JSON 2xx", async () => {
  const hanging = Promise.withResolvers<void>();
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/hang") await hanging.promise;
    if (path === "/html") {
      return new Response("<html></html>", { headers: { "content-type": "text/html" } });
    }
    if (path === "/shape") return Response.json({ nope: true });
    return Response.json({ id: "1" });
  });
  try {
    const http = new HttpClient(
      defaultHttpDeps({ fetch, now: () => NOW, timeoutMs: 100 }),
      PROFILE,
    );
    const schema = { json: z.object({ id: z.string() }) };
    const base = `http://127.0.0.1:${server.addr.port}`;
    const ok = await http.request({ method: "POST", url: `${base}/ok` }, schema);
    assert.equal(ok.ok && ok.data.id, "1");
    const timeout = await http.request({ method: "POST", url: `${base}/hang` }, schema);
    assert.deepEqual(timeout.ok ? null : [timeout.errorClass, timeout.outcome], [
      "transient",
      "unknown",
    ]);
    const html = await http.request({ method: "POST", url: `${base}/html` }, schema);
    assert.deepEqual(html.ok ? null : [html.errorClass, html.outcome], ["transient", "unknown"]);
    const shape = await http.request({ method: "GET", url: `${base}/shape` }, schema);
    assert.deepEqual(shape.ok ? null : [shape.errorClass, shape.outcome], [
      "transient",
      "not_applied",
    ]);
    assert.match(shape.ok ? "" : shape.message, /id is not as expected/);
  } finally {
    hanging.resolve();
    await server.shutdown();
  }
  const listener = Deno.listen({ port: 0, hostname: "127.0.0.1" });
  const freePort = listener.addr.port;
  listener.close();
  const closed = new HttpClient(
    defaultHttpDeps({ fetch, now: () => NOW, timeoutMs: 1000 }),
    PROFILE,
  );
  const refused = await closed.request(
    { method: "POST", url: `http://127.0.0.1:${freePort}/x` },
    { empty: true },
  );
  assert.deepEqual(refused.ok ? null : [refused.errorClass, refused.outcome], [
    "transient",
    "not_applied",
  ]);
});

Deno.test("http: a write whose pooled connection closes before the answer is sent once", async () => {
  const received: string[] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
    received.push(`${req.method} ${new URL(req.url).pathname} ${await req.text()}`);
    return Response.json({ id: "1" });
  });
  const relay = relayTo(server.addr.port);
  try {
    const http = new HttpClient(defaultHttpDeps(), PROFILE);
    // A first request leaves a kept-alive connection in the client's pool; the writes reuse it.
    assert.ok(!("ok" in await http.send({ method: "GET", url: `${relay.origin}/warm` })));
    const writes = [
      { method: "POST", url: `${relay.origin}/json`, json: { a: 1 } },
      { method: "POST", url: `${relay.origin}/bodiless` },
      { method: "PATCH", url: `${relay.origin}/text`, body: "b=2" },
    ] as const;
    for (const write of writes) {
      relay.loseAnswerTo(`${write.method} ${new URL(write.url).pathname}`);
      const lost = await http.send(write);
      assert.ok(!("ok" in lost) || lost.ok === false, `${write.url}: no answer`);
      assert.equal(
        (lost as { outcome?: string }).outcome,
        "unknown",
        `${write.url}: outcome unknown`,
      );
      assert.ok(!("ok" in await http.send({ method: "GET", url: `${relay.origin}/after` })));
    }
    assert.deepEqual(received.filter((r) => !r.startsWith("GET")), [
      'POST /json {"a":1}',
      "POST /bodiless ",
      "PATCH /text b=2",
    ]);
  } finally {
    await relay.close();
    await server.shutdown();
  }
});
