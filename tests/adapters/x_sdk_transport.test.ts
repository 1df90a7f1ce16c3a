// twitter-api-v2 on Deno's node:http: what happens to a POST when the kept-alive connection it is
// written to is closed by the server exactly as the POST arrives (a server closing an idle
// connection). The stock keep-alive Agent lets the runtime send the POST again on a new connection;
// net/node-agent.ts's Agent does not, and the X adapter reconciles the lost answer with a lookup.
import assert from "node:assert/strict";
import http from "node:http";
import https from "node:https";
import { TwitterApi } from "twitter-api-v2";
import { XAdapter } from "../../supabase/functions/_shared/adapters/x.ts";
import { sendOnceAgent } from "../../supabase/functions/_shared/net/node-agent.ts";
import { assertFailure, assertOk, platformRow } from "./helpers.ts";

const CREDS = { app_key: "k", app_secret: "s", access_token: "t", access_secret: "a" };
const USER_ID = "2244994945";

/**
 * A loopback X that answers GETs (users/me, an empty timeline) on kept-alive connections and, when a
 * POST arrives, reads it whole, counts it and closes the connection without answering or acting.
 */
function closingServer() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const state = { posts: 0, connections: 0, postConnections: new Set<number>() };
  const conns = new Set<Deno.Conn>();
  const latin1 = new TextDecoder("latin1");
  const encoder = new TextEncoder();
  const serve = async (conn: Deno.Conn, n: number) => {
    const buffer = new Uint8Array(65_536);
    let text = "";
    try {
      for (;;) {
        const read = await conn.read(buffer);
        if (read === null) return;
        text += latin1.decode(buffer.subarray(0, read));
        for (let end = text.indexOf("\r\n\r\n"); end >= 0; end = text.indexOf("\r\n\r\n")) {
          const head = text.slice(0, end);
          const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
          if (text.length < end + 4 + length) break;
          text = text.slice(end + 4 + length);
          if (head.startsWith("POST ")) {
            state.posts++;
            state.postConnections.add(n);
            return; // closed without an answer: X never acted on it
          }
          const body = head.includes("/users/me") ? { data: { id: USER_ID } } : { meta: {} };
          const json = JSON.stringify(body);
          await conn.write(encoder.encode(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n" +
              `content-length: ${json.length}\r\nconnection: keep-alive\r\n\r\n${json}`,
          ));
        }
      }
    } catch {
      // the client closed its end
    } finally {
      conns.delete(conn);
      try {
        conn.close();
      } catch { /* closed already */ }
    }
  };
  const served: Promise<void>[] = [];
  const accepting = (async () => {
    for await (const conn of listener) {
      conns.add(conn);
      served.push(serve(conn, ++state.connections));
    }
  })();
  return {
    origin: `http://127.0.0.1:${listener.addr.port}`,
    state,
    async close() {
      listener.close();
      for (const conn of conns) {
        try {
          conn.close();
        } catch { /* closed already */ }
      }
      await accepting.catch(() => {});
      await Promise.all(served);
    },
  };
}

/** The SDK client as the adapter makes it, with `agent`, and a GET that warms one connection. */
async function warmClient(origin: string, agent: http.Agent) {
  const client = new TwitterApi({
    appKey: CREDS.app_key,
    appSecret: CREDS.app_secret,
    accessToken: CREDS.access_token,
    accessSecret: CREDS.access_secret,
  }, { httpAgent: agent });
  await client.v2.get(`${origin}/2/users/me`, undefined, { prefix: "" });
  return client;
}

/** Posts with `agent` on its warm connection: the POST's error, once it is reported. */
async function postOnReusedConnection(origin: string, agent: http.Agent): Promise<unknown> {
  const client = await warmClient(origin, agent);
  try {
    await client.v2.post(`${origin}/2/tweets`, { text: "hello" }, { prefix: "" });
  } catch (error) {
    return error;
  }
  assert.fail("the POST was answered");
}

/** Resolves once `check` holds, asking at each turn of the event loop (no timed assertion). */
async function eventually(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 1));
}

Deno.test("x sdk: the stock keep-alive Agent sends the POST again when its reused connection closes", async () => {
  const server = closingServer();
  const agent = new http.Agent({ keepAlive: true });
  try {
    const error = await postOnReusedConnection(server.origin, agent);
    assert.ok(error instanceof Error, "the SDK reports the lost connection");
    // ...while the runtime writes the same POST to a new connection
    await eventually(() => server.state.posts === 2);
    assert.equal(server.state.posts, 2, "the platform received two copies");
    assert.equal(server.state.postConnections.size, 2);
  } finally {
    agent.destroy();
    await server.close();
  }
});

Deno.test("x sdk: the send-once Agent lets the POST go out once and reports the lost connection", async () => {
  const server = closingServer();
  const agent = sendOnceAgent(server.origin, { resend: "never" });
  try {
    const error = await postOnReusedConnection(server.origin, agent);
    assert.ok(error instanceof Error);
    assert.equal(server.state.posts, 1, "one copy");
    assert.equal(server.state.connections, 1, "no new connection was opened for it");
  } finally {
    agent.destroy();
    await server.close();
  }
});

Deno.test("x sdk: a post whose kept-alive connection closes as it arrives is maybe-sent, looked up, never resent", async () => {
  const server = closingServer();
  const row = platformRow("x", { base_url: server.origin, timeout_ms: 5000 });
  const adapter = new XAdapter(row, CREDS);
  try {
    const before = await adapter.findExisting({ attemptId: "w", content: { body: "warm" } });
    assertOk(before); // users/me and the timeline: the connection is warm and kept alive
    const f = assertFailure(
      await adapter.publish({ body: "hello" }, { attemptId: "a" }),
      "transient",
    );
    assert.equal(f.outcome, "unknown", "X may have acted: the caller must look it up");
    assert.equal(server.state.posts, 1, "the platform saw one copy");
    const found = await adapter.findExisting({ attemptId: "a", content: { body: "hello" } });
    assertOk(found);
    assert.equal(found.found, false, "the lookup decides: not posted, so a new attempt is safe");
    assert.equal(server.state.posts, 1, "the lookup sent no POST");
  } finally {
    await server.close();
  }
});

Deno.test("x sdk: the SDK's connections obey the egress rules; nothing is sent to a refused address", async (t) => {
  for (
    const [name, base] of [
      ["a private address", "http://10.1.2.3:8080"],
      ["a cloud metadata address", "http://169.254.169.254"],
      ["an internal host name", "http://x.internal"],
    ]
  ) {
    await t.step(name, async () => {
      const adapter = new XAdapter(platformRow("x", { base_url: base, timeout_ms: 500 }), CREDS);
      const f = assertFailure(
        await adapter.publish({ body: "hi" }, { attemptId: "e" }),
        "permanent",
      );
      assert.equal(f.outcome, "not_applied");
      assert.match(f.message, /^X: destination not allowed/);
      assert.doesNotMatch(
        f.message,
        /10\.1\.2\.3|169\.254|x\.internal/,
        "no address in the message",
      );
    });
  }
});

/** A request through `agent` to `url`: the error it fails with (these never connect). */
function failureOf(agent: http.Agent, url: string): Promise<Error> {
  const request = url.startsWith("https:") ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", agent }, () => reject(new Error("answered")));
    req.on("error", resolve);
    req.end("{}");
  });
}

Deno.test("x sdk: a host name is connected to only at an address the egress rules checked, over TLS too", async (t) => {
  const resolved: string[] = [];
  const policy = (answer: string) => ({
    allowList: () => [],
    resolve: (host: string) => {
      resolved.push(host);
      return Promise.resolve([answer]);
    },
  });
  for (
    const [scheme, answer, refusal] of [
      ["https", "10.0.0.5", /a private address/],
      ["https", "127.0.0.1", /a loopback address/],
      ["http", "169.254.169.254", /a cloud metadata address/],
    ] as const
  ) {
    await t.step(`${scheme}: a name that resolves to ${answer}`, async () => {
      const url = `${scheme}://api.x.example/2/tweets`;
      const error = await failureOf(
        sendOnceAgent(url, { egress: policy(answer), resend: "never" }),
        url,
      );
      // nothing was sent, because the destination is refused
      assert.equal(error.name, "RequestNotSent");
      const cause = error.cause as Error;
      assert.equal(cause.name, "DestinationNotAllowed");
      assert.match(cause.message, refusal);
      assert.equal(resolved.pop(), "api.x.example", "resolved by the egress rules' resolver");
    });
  }
});

Deno.test("x sdk: the timeout covers the whole exchange, also an answer that trickles in", async () => {
  // answers the head, then a byte of body every 50 ms, never finishing: the socket is never idle
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let posts = 0;
  const served = (async () => {
    for await (const conn of listener) {
      const buffer = new Uint8Array(65_536);
      await conn.read(buffer);
      posts++;
      const encoder = new TextEncoder();
      try {
        await conn.write(encoder.encode(
          "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n",
        ));
        for (;;) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          await conn.write(encoder.encode(" "));
        }
      } catch {
        conn.close(); // the client gave up
      }
    }
  })();
  const base = `http://127.0.0.1:${listener.addr.port}`;
  const adapter = new XAdapter(platformRow("x", { base_url: base, timeout_ms: 300 }), CREDS);
  try {
    const f = assertFailure(
      await adapter.publish({ body: "slow" }, { attemptId: "s" }),
      "transient",
    );
    assert.equal(f.outcome, "unknown");
    assert.match(f.message, /no answer before the timeout/);
    assert.equal(posts, 1);
  } finally {
    listener.close();
    await served.catch(() => {});
  }
});

Deno.test("x sdk: two accounts' adapters share the isolate's kept-alive connection, each request signed with its own account's keys", async () => {
  // a loopback X that answers every POST /2/tweets with 201, counting connections and recording
  // which consumer key and token signed each request
  const signedBy: { key?: string; token?: string; connection: number }[] = [];
  let connections = 0;
  const server = http.createServer((req, res) => {
    const auth = req.headers.authorization ?? "";
    signedBy.push({
      key: /oauth_consumer_key="([^"]*)"/.exec(auth)?.[1],
      token: /oauth_token="([^"]*)"/.exec(auth)?.[1],
      connection: (req.socket as unknown as { n: number }).n,
    });
    req.resume();
    req.on("end", () => {
      const body = JSON.stringify({ data: { id: String(signedBy.length), text: "t" } });
      res.writeHead(201, { "content-type": "application/json", "content-length": body.length });
      res.end(body);
    });
  });
  server.on("connection", (socket) => (socket as unknown as { n: number }).n = ++connections);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const accounts = [
    { app_key: "key-a", app_secret: "sa", access_token: "token-a", access_secret: "aa" },
    { app_key: "key-b", app_secret: "sb", access_token: "token-b", access_secret: "ab" },
  ];
  try {
    for (const [i, credentials] of [...accounts, ...accounts].entries()) {
      const adapter = new XAdapter(
        platformRow("x", { base_url: base, timeout_ms: 5000 }),
        credentials,
      );
      assertOk(await adapter.publish({ body: `post ${i}` }, { attemptId: `a${i}` }));
    }
    assert.deepEqual(
      signedBy.map(({ key, token }) => [key, token]),
      [["key-a", "token-a"], ["key-b", "token-b"], ["key-a", "token-a"], ["key-b", "token-b"]],
    );
    assert.equal(connections, 1, "one connection for all four posts");
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
