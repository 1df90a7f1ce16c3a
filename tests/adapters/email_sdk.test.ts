/**
 * The email adapter on `@mailchimp/mailchimp_marketing`: no POST is sent twice by the transport,
 * a lost answer is reconciled by findExisting, tenants never share a key or a host, and socket
 * errors are classified as "not sent" or "maybe sent".
 *
 * The transport finding, kept as a test: Deno's node:http (2.9.6) sends a request again on a new
 * connection when its reused kept-alive connection closes before an answer, also a POST the server
 * already received. net/node-agent.ts stops that for POST and PATCH.
 */
import assert from "node:assert/strict";
import http from "node:http";
import mailchimp from "@mailchimp/mailchimp_marketing";
import { EmailAdapter, MAILCHIMP_ERRORS } from "../../supabase/functions/_shared/adapters/email.ts";
import {
  callSdk,
  type MailchimpSdk,
  mailchimpSdk,
} from "../../supabase/functions/_shared/adapters/mailchimp-client.ts";
import { sendOnceAgent } from "../../supabase/functions/_shared/net/node-agent.ts";
import { mailchimpEmulator, type MailchimpState } from "../../dev/emulators/mailchimp.ts";
import { type RunningEmulator, serveEmulator } from "../../dev/emulators/framework.ts";
import { assertFailure, assertOk, platformRow } from "./helpers.ts";
import { withEmulator } from "./emulated.ts";

const START = "2026-03-03T09:00:00Z";
const CONFIG = { list_id: "list1", from_name: "The Team", reply_to: "team@example.com" };
const email = (title = "March news") => ({
  title,
  body: `<p>Hello</p><p><a href="*|UNSUB|*">Unsubscribe</a></p>`,
});
type Emu = RunningEmulator<MailchimpState>;

const latin1 = new TextDecoder("latin1");
const encoder = new TextEncoder();

/**
 * A loopback HTTP/1.1 server that answers every request 200 with a campaign and keeps the
 * connection alive, except a request of `closeOn`'s method on a connection that already served
 * one (a reused kept-alive connection): that request is received, then the connection closes
 * without an answer.
 */
function closingServer(closeOn: string) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const received: string[] = [];
  const serving: Promise<void>[] = [];
  const serve = async (conn: Deno.Conn) => {
    let buffered = new Uint8Array(0);
    const more = async () => {
      const chunk = new Uint8Array(64 * 1024);
      const n = await conn.read(chunk).catch(() => null);
      if (n === null) return false;
      const joined = new Uint8Array(buffered.length + n);
      joined.set(buffered);
      joined.set(chunk.subarray(0, n), buffered.length);
      buffered = joined;
      return true;
    };
    let served = 0;
    for (;;) {
      let end = latin1.decode(buffered).indexOf("\r\n\r\n");
      while (end < 0) {
        if (!await more()) return conn.close();
        end = latin1.decode(buffered).indexOf("\r\n\r\n");
      }
      const head = latin1.decode(buffered.subarray(0, end));
      const length = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      while (buffered.length < end + 4 + length) {
        if (!await more()) return conn.close();
      }
      buffered = buffered.subarray(end + 4 + length);
      const [method, path] = head.split(" ");
      received.push(`${method} ${path}`);
      if (method === closeOn && served > 0) return conn.close();
      const body = JSON.stringify({ id: "c1", status: "save" });
      await conn.write(encoder.encode(
        `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n` +
          `connection: keep-alive\r\n\r\n${body}`,
      ));
      served += 1;
    }
  };
  const accepting = (async () => {
    for await (const conn of listener) serving.push(serve(conn));
  })().catch(() => {});
  return {
    root: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}/3.0`,
    received,
    async close() {
      listener.close();
      await accepting;
      await Promise.all(serving);
    },
  };
}

/** A client of its own for `root`, sending through `agent`. */
function sdkFor(root: string, agent: http.Agent): Promise<MailchimpSdk> {
  return mailchimpSdk({ root, authorization: "Bearer t", timeoutMs: 5_000, agent });
}

Deno.test("email sdk: Deno's node:http sends a POST again when its reused connection closes (a plain keep-alive agent)", async () => {
  const server = closingServer("POST");
  const agent = new http.Agent({ keepAlive: true });
  try {
    const sdk = await sdkFor(server.root, agent);
    await sdk.campaigns.getWithHttpInfo("c1");
    await sdk.campaigns.createWithHttpInfo({ type: "regular" });
    // the platform received the create twice: why the adapter never sends through such an agent
    assert.deepEqual(server.received, [
      "GET /3.0/campaigns/c1",
      "POST /3.0/campaigns",
      "POST /3.0/campaigns",
    ]);
  } finally {
    agent.destroy();
    await server.close();
  }
});

Deno.test("email sdk: through the send-once agent the POST arrives once and fails as maybe sent", async () => {
  const server = closingServer("POST");
  const agent = sendOnceAgent(server.root);
  try {
    const sdk = await sdkFor(server.root, agent);
    const now = new Date(START);
    const got = await callSdk(
      MAILCHIMP_ERRORS,
      "GET",
      now,
      () => sdk.campaigns.getWithHttpInfo("c1"),
    );
    assert.equal("ok" in got, false, "answered");
    const created = await callSdk(
      MAILCHIMP_ERRORS,
      "POST",
      now,
      () => sdk.campaigns.createWithHttpInfo({ type: "regular" }),
    );
    assert.ok("ok" in created, "a failure, not an answer");
    const f = assertFailure(created, "transient");
    assert.equal(f.outcome, "unknown");
    assert.deepEqual(server.received, ["GET /3.0/campaigns/c1", "POST /3.0/campaigns"]);
  } finally {
    agent.destroy();
    await server.close();
  }
});

Deno.test("email sdk: a GET whose reused connection closes is sent again on a new one (idempotent)", async () => {
  const server = closingServer("GET");
  const agent = sendOnceAgent(server.root);
  try {
    const sdk = await sdkFor(server.root, agent);
    await sdk.campaigns.getWithHttpInfo("c1");
    const { response } = await sdk.campaigns.getWithHttpInfo("c2");
    assert.equal(response.status, 200);
    assert.deepEqual(server.received, [
      "GET /3.0/campaigns/c1",
      "GET /3.0/campaigns/c2",
      "GET /3.0/campaigns/c2",
    ]);
  } finally {
    agent.destroy();
    await server.close();
  }
});

/**
 * A proxy in front of the emulator. When a request whose head contains `marker` arrives on a
 * connection that already carried one (a reused kept-alive connection), the connection closes:
 * `forward` passes the request on first (the platform acts, the answer is lost), `drop` does not
 * (the platform never sees it).
 */
function closingProxy(port: number, marker: string, mode: "forward" | "drop") {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const pumps: Promise<void>[] = [];
  let armed = true;
  const link = async (client: Deno.Conn) => {
    const upstream = await Deno.connect({ hostname: "127.0.0.1", port });
    let requests = 0;
    let loseAnswer = false;
    const shut = () => {
      for (const c of [client, upstream]) {
        try {
          c.close();
        } catch { /* closed already */ }
      }
    };
    const pump = async (from: Deno.Conn, to: Deno.Conn, answers: boolean) => {
      const buffer = new Uint8Array(64 * 1024);
      try {
        for (;;) {
          const n = await from.read(buffer);
          if (n === null || (answers && loseAnswer)) break;
          if (!answers && /^[A-Z]+ \//.test(latin1.decode(buffer.subarray(0, 16)))) {
            const head = latin1.decode(buffer.subarray(0, Math.min(n, 2048)));
            if (armed && requests > 0 && head.includes(marker)) {
              armed = false;
              if (mode === "drop") break;
              loseAnswer = true;
            }
            requests += 1;
          }
          for (let sent = 0; sent < n;) sent += await to.write(buffer.subarray(sent, n));
        }
      } catch { /* the other side closed */ }
      shut();
    };
    pumps.push(pump(client, upstream, false), pump(upstream, client, true));
  };
  const accepting = (async () => {
    for await (const client of listener) await link(client);
  })().catch(() => {});
  return {
    origin: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    async close() {
      listener.close();
      await accepting;
      await Promise.all(pumps);
    },
  };
}

function adapterAt(origin: string, apiKey = "emulator-key-us1") {
  return new EmailAdapter(
    platformRow("email", { base_url: `${origin}/3.0`, timeout_ms: 2_000, ...CONFIG }),
    { api_key: apiKey },
  );
}

const sends = (emu: Emu) =>
  emu.requests({ method: "POST" }).filter((r) => r.path.endsWith("/actions/send"));

Deno.test("email sdk: the send arrives, its reused connection closes: sent once, outcome unknown, found", () =>
  withEmulator(mailchimpEmulator(), START, async (emu) => {
    const proxy = closingProxy(emu.port, "/actions/send", "forward");
    try {
      const adapter = adapterAt(proxy.origin);
      const f = assertFailure(await adapter.publish(email(), { attemptId: "p1" }), "transient");
      assert.equal(f.outcome, "unknown");
      assert.equal(sends(emu).length, 1, "the platform received the send once");
      // the caller reconciles before any resend: the lookup finds the sent campaign
      const found = await adapter.findExisting({ attemptId: "p1", content: email() });
      assertOk(found);
      assert.equal(found.found, true);
      assert.equal(sends(emu).length, 1);
    } finally {
      await proxy.close();
    }
  }));

Deno.test("email sdk: the send's reused connection closes before it arrives: not found, sent once by the next attempt", () =>
  withEmulator(mailchimpEmulator(), START, async (emu) => {
    const proxy = closingProxy(emu.port, "/actions/send", "drop");
    try {
      const adapter = adapterAt(proxy.origin);
      const f = assertFailure(await adapter.publish(email(), { attemptId: "p2" }), "transient");
      assert.equal(f.outcome, "unknown", "the client cannot know the send did not arrive");
      assert.equal(sends(emu).length, 0, "not resent by the transport");
      const lookup = await adapter.findExisting({ attemptId: "p2", content: email() });
      assertOk(lookup);
      assert.equal(lookup.found, false);
      // only now, decided by the lookup, the attempt is made again
      assertOk(await adapter.publish(email(), { attemptId: "p2" }));
      assert.equal(sends(emu).length, 1);
    } finally {
      await proxy.close();
    }
  }));

Deno.test("email sdk: two tenants publishing at once each send only their own key to their own host", async () => {
  const one = serveEmulator(mailchimpEmulator({ apiKeys: ["key-one-us1"] }), {});
  const two = serveEmulator(mailchimpEmulator({ apiKeys: ["key-two-us2"] }), {});
  // someone else in the isolate configured the package's singleton: the adapters never use it
  const singleton = mailchimp as unknown as MailchimpSdk;
  singleton.setConfig({ apiKey: "global-key-us9", server: "us9" });
  try {
    const tenants = [
      { adapter: adapterAt(one.origin, "key-one-us1"), emu: one, key: "key-one-us1" },
      { adapter: adapterAt(two.origin, "key-two-us2"), emu: two, key: "key-two-us2" },
    ];
    const runs = [0, 1, 2, 3].flatMap((i) =>
      tenants.map(({ adapter }, t) =>
        adapter.publish(email(`news ${i}`), { attemptId: `t${t}-${i}` })
      )
    );
    for (const result of await Promise.all(runs)) assertOk(result);
    for (const [t, { emu, key }] of tenants.entries()) {
      const seen = new Set(emu.requests().map((r) => r.headers.authorization));
      assert.deepEqual([...seen], [`Basic ${btoa(`user:${key}`)}`]);
      assert.equal(sends(emu).length, 4);
      const titles = emu.requests({ method: "POST" })
        .filter((r) => r.path === "/3.0/campaigns")
        .map((r) => (r.body as { settings: { title: string } }).settings.title)
        .sort();
      assert.deepEqual(titles, [0, 1, 2, 3].map((i) => `dist-attempt-t${t}-${i}`));
    }
    assert.equal(singleton.config.apiKey, "global-key-us9");
    assert.equal(singleton.basePath, "https://server.api.mailchimp.com/3.0");
  } finally {
    singleton.setConfig({});
    await one.close();
    await two.close();
  }
});

Deno.test("email sdk: a refused connection is not sent (not applied); a refused destination is permanent", async () => {
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (closed.addr as Deno.NetAddr).port;
  closed.close();
  const refused = assertFailure(
    await adapterAt(`http://127.0.0.1:${port}`).publish(email(), { attemptId: "r1" }),
    "transient",
  );
  assert.equal(refused.outcome, "not_applied");
  assert.doesNotMatch(refused.message, /127\.0\.0\.1|:\d{2,5}/, "names no address or port");
  // link-local (cloud metadata) is refused by the egress rules before any connection
  const metadata = assertFailure(
    await adapterAt("http://169.254.169.254").publish(email(), { attemptId: "r2" }),
    "permanent",
  );
  assert.equal(metadata.outcome, "not_applied");
  assert.match(metadata.message, /not allowed/);
});

Deno.test("email sdk: a redirect answering a POST is not followed: its target never sees the body", async () => {
  const seen: string[] = [];
  const target = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    seen.push(`${req.method} ${new URL(req.url).pathname}`);
    return Response.json({ id: "x", status: "save" });
  });
  const redirecting = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req) =>
      new Response(null, {
        status: 307,
        headers: { location: `http://127.0.0.1:${target.addr.port}${new URL(req.url).pathname}` },
      }),
  );
  try {
    const adapter = adapterAt(`http://127.0.0.1:${redirecting.addr.port}`);
    const f = assertFailure(await adapter.publish(email(), { attemptId: "r" }), "permanent");
    assert.equal(f.status, 307);
    assert.deepEqual(seen, []);
  } finally {
    await target.shutdown();
    await redirecting.shutdown();
  }
});
