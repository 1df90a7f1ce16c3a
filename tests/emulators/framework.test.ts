/** The emulator framework over HTTP: recording, faults, clock, media. */
import assert from "node:assert/strict";
import { json, type RunningEmulator, serveEmulator } from "../../dev/emulators/framework.ts";
import { mediaBytes } from "../../dev/emulators/media.ts";

function echoEmulator() {
  return {
    name: "echo",
    state: { calls: 0 },
    routes: [{
      method: "POST",
      path: "/things/:id",
      handle: (req: { params: Record<string, string>; body: unknown }, ctx: { now(): Date }) =>
        json({ id: req.params.id, body: req.body, now: ctx.now().toISOString() }, 201),
    }],
    faults: {
      rateLimited: (resetAt: Date) =>
        json({ error: "slow down" }, 429, { "retry-after": String(resetAt.getTime()) }),
      revokedToken: () => json({ error: "revoked" }, 401),
      serverError: (status: number) => json({ error: "boom" }, status),
    },
  };
}

async function withEcho(fn: (emu: RunningEmulator<{ calls: number }>) => Promise<void>) {
  const emu = serveEmulator(echoEmulator());
  try {
    await fn(emu);
  } finally {
    await emu.close();
  }
}

const post = async (emu: RunningEmulator<unknown>, path: string, body: unknown) => {
  const res = await fetch(`${emu.origin}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-test": "1" },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
};

Deno.test("framework: records requests, queryable and resettable over HTTP", () =>
  withEcho(async (emu) => {
    assert.equal((await post(emu, "/things/7", { a: 1 })).status, 201);
    assert.equal((await post(emu, "/nowhere", {})).status, 404);
    const res = await fetch(`${emu.origin}/__emulator/requests?path=/things`);
    const recorded = await res.json();
    assert.equal(recorded.length, 1);
    assert.equal(recorded[0].method, "POST");
    assert.equal(recorded[0].path, "/things/7");
    assert.deepEqual(recorded[0].body, { a: 1 });
    assert.equal(recorded[0].headers["x-test"], "1");
    assert.equal(emu.requests().length, 2);
    const del = await fetch(`${emu.origin}/__emulator/requests`, { method: "DELETE" });
    await del.body?.cancel();
    assert.equal(del.status, 204);
    assert.equal(emu.requests().length, 0);
  }));

Deno.test("framework: faults over HTTP, counted, filtered by method and path, then cleared", () =>
  withEcho(async (emu) => {
    const bad = await post(emu, "/__emulator/faults", { mode: "explode" });
    assert.equal(bad.status, 400);
    const set = await post(emu, "/__emulator/faults", [
      { mode: "5xx", count: 1, status: 502, path: "/things/1" },
      { mode: "html_200", count: 1, path: "/things/2" },
      { mode: "rate_limit", count: 1, path: "/things/3", resetInSeconds: 5 },
      { mode: "revoke_token", path: "/things/4" },
    ]);
    assert.equal(set.status, 201);
    assert.equal((await post(emu, "/things/1", {})).status, 502);
    assert.equal((await post(emu, "/things/1", {})).status, 201, "count 1 is used up");
    const html = await post(emu, "/things/2", {});
    assert.equal(html.status, 200);
    assert.match(html.headers.get("content-type") ?? "", /text\/html/);
    assert.equal((await post(emu, "/things/3", {})).status, 429);
    assert.equal((await post(emu, "/things/4", {})).status, 401);
    assert.equal((await post(emu, "/things/4", {})).status, 401, "no count: until cleared");
    const cleared = await fetch(`${emu.origin}/__emulator/faults`, { method: "DELETE" });
    await cleared.body?.cancel();
    assert.equal((await post(emu, "/things/4", {})).status, 201);
  }));

Deno.test("framework: latency delays, timeout holds until the client gives up", () =>
  withEcho(async (emu) => {
    emu.addFault({ mode: "latency", count: 1, latencyMs: 150 });
    const started = performance.now();
    assert.equal((await post(emu, "/things/1", {})).status, 201);
    assert.ok(performance.now() - started >= 140);
    emu.addFault({ mode: "timeout", count: 1 });
    await assert.rejects(
      fetch(`${emu.origin}/things/2`, { method: "POST", signal: AbortSignal.timeout(100) }),
    );
  }));

Deno.test("framework: a fault with a probability takes that share of requests, the rest go on", () =>
  withEcho(async (emu) => {
    // probability 0: never taken; the request goes on to the next fault that fits
    const set = await post(emu, "/__emulator/faults", [
      { mode: "5xx", status: 500, probability: 0 },
      { mode: "5xx", status: 503, probability: 0.5, method: "POST" },
      { mode: "latency", latencyMs: 1, jitterMs: 1 },
    ]);
    assert.equal(set.status, 201);
    const statuses = [];
    for (let i = 0; i < 200; i++) statuses.push((await post(emu, `/things/${i}`, {})).status);
    assert.ok(!statuses.includes(500), "a fault of probability 0 was taken");
    // 200 coin flips: both sides come up (all one side has a chance of 2^-199)
    assert.ok(statuses.includes(503) && statuses.includes(201), statuses.join(","));
    assert.deepEqual(new Set(statuses), new Set([201, 503]));
    // each request is recorded with the status it was answered with
    assert.deepEqual(emu.requests({ method: "POST" }).map((r) => r.status), statuses);
  }));

Deno.test("framework: the clock can be set over HTTP and reset", () =>
  withEcho(async (emu) => {
    const set = await post(emu, "/__emulator/clock", { now: "2026-01-05T09:00:00Z" });
    assert.equal(JSON.parse(set.text).now, "2026-01-05T09:00:00.000Z");
    assert.equal(
      JSON.parse((await post(emu, "/things/1", {})).text).now,
      "2026-01-05T09:00:00.000Z",
    );
    const reset = await fetch(`${emu.origin}/__emulator/clock`, { method: "DELETE" });
    await reset.body?.cancel();
    const now = Date.parse(JSON.parse((await post(emu, "/things/1", {})).text).now);
    assert.ok(Math.abs(now - Date.now()) < 5000);
  }));

Deno.test("framework: serves deterministic stand-in media", () =>
  withEcho(async (emu) => {
    const res = await fetch(`${emu.origin}/__emulator/media/clip.mp4?bytes=1000`);
    assert.equal(res.headers.get("content-type"), "video/mp4");
    assert.equal((await res.arrayBuffer()).byteLength, 1000);
    assert.equal(emu.requests().length, 0, "control and media requests are not recorded");
  }));

Deno.test("framework: stand-in media serves byte ranges under a strong ETag", () =>
  withEcho(async (emu) => {
    const url = `${emu.origin}/__emulator/media/clip.mp4?bytes=1000`;
    const part = await fetch(url, { headers: { range: "bytes=990-2000" } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get("content-range"), "bytes 990-999/1000");
    assert.deepEqual(new Uint8Array(await part.arrayBuffer()), mediaBytes(990, 1000));
    const whole = new Uint8Array(await (await fetch(url)).arrayBuffer());
    assert.deepEqual(whole.subarray(990), mediaBytes(990, 1000), "a range is the same bytes");
    const etag = part.headers.get("etag")!;
    const same = await fetch(url, { headers: { range: "bytes=0-9", "if-match": etag } });
    assert.equal(same.status, 206);
    await same.body?.cancel();
    const changed = await fetch(`${emu.origin}/__emulator/media/clip.mp4?bytes=1001`, {
      headers: { range: "bytes=0-9", "if-match": etag },
    });
    assert.equal(changed.status, 412);
    await changed.body?.cancel();
    const outside = await fetch(url, { headers: { range: "bytes=1000-" } });
    assert.equal(outside.status, 416);
    assert.equal(outside.headers.get("content-range"), "bytes */1000");
    await outside.body?.cancel();
    const ignored = await fetch(`${url}&ranges=none`, { headers: { range: "bytes=0-9" } });
    assert.equal(ignored.status, 200, "a host without ranges sends the whole file");
    assert.equal((await ignored.arrayBuffer()).byteLength, 1000);
  }));
