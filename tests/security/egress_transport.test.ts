// The egress rules in the HTTP client (net/transport.ts): every connection, the first and each redirect's, is
// checked after resolution and made to the checked address. The connector and resolver are injected and
// record what they are asked: only loopback is ever connected to, anything else is recorded and refused.
// Also: decoded bodies are capped (a gzip bomb stops at the cap), and a prefix read stops early.
import assert from "node:assert/strict";
import { parseAllowList, type Resolver } from "../../supabase/functions/_shared/net/egress.ts";
import {
  AnswerTooLarge,
  type Connector,
  Http1Client,
  RequestNotSent,
} from "../../supabase/functions/_shared/net/transport.ts";
import { classifyNetworkError } from "../../supabase/functions/_shared/net/classify.ts";
import { createAdapter } from "../../supabase/functions/_shared/adapters/registry.ts";

/** A connector that connects only to 127.0.0.1 and records every destination it is asked for. */
function recordingConnector() {
  const asked: string[] = [];
  const connect: Connector = (o) => {
    asked.push(`${o.hostname}:${o.port}`);
    if (o.hostname === "127.0.0.1") return Deno.connect(o);
    return Promise.reject(new Error("the recorder does not connect"));
  };
  return { asked, connect };
}

/** A resolver answering from a table, recording every name asked. */
function recordingResolver(table: Record<string, string[]>) {
  const asked: string[] = [];
  const resolve: Resolver = (name) => {
    asked.push(name);
    return table[name] ? Promise.resolve(table[name]) : Promise.reject(new Error("no such name"));
  };
  return { asked, resolve };
}

function client(allow: string, table: Record<string, string[]> = {}, options = {}) {
  const connector = recordingConnector();
  const resolver = recordingResolver(table);
  const http = new Http1Client({
    egress: { allowList: () => parseAllowList(allow), resolve: resolver.resolve },
    connect: connector.connect,
    ...options,
  });
  return { http, connector, resolver };
}

function serve(handler: (req: Request) => Response | Promise<Response>) {
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, handler);
  return {
    origin: `http://127.0.0.1:${server.addr.port}`,
    port: server.addr.port,
    close: () => server.shutdown(),
  };
}

const PROFILE = {
  platform: "Test",
  messagePaths: [],
  codePaths: [],
  rules: [],
  rateLimitReset: { kind: "after" as const, seconds: 1 },
};

Deno.test("egress transport: a redirect from an allowed emulator to the metadata address is refused without connecting", async () => {
  const server = serve(() =>
    new Response(null, {
      status: 302,
      headers: { location: "http://169.254.169.254/latest/meta-data/" },
    })
  );
  const { http, connector, resolver } = client("127.0.0.1");
  try {
    const error = await http.request(`${server.origin}/media.jpg`).then(() => undefined, (e) => e);
    assert.ok(error instanceof RequestNotSent, String(error));
    assert.equal(error.message, "destination not allowed: it resolves to a cloud metadata address");
    assert.deepEqual(connector.asked, [`127.0.0.1:${server.port}`]);
    assert.deepEqual(resolver.asked, []);
    const failure = classifyNetworkError(PROFILE, error, {
      method: "GET",
      now: new Date(),
      timedOut: false,
    });
    assert.deepEqual(
      [failure.errorClass, failure.outcome, failure.message],
      [
        "permanent",
        "not_applied",
        "Test: destination not allowed: it resolves to a cloud metadata address",
      ],
    );
  } finally {
    http.closeIdle();
    await server.close();
  }
});

Deno.test("egress transport: a redirect to a name that resolves to a private address is refused without connecting", async () => {
  const server = serve(() =>
    new Response(null, {
      status: 307,
      headers: { location: "https://files.internal-cdn.example/x" },
    })
  );
  const { http, connector, resolver } = client("127.0.0.1", {
    "files.internal-cdn.example": ["10.0.0.1"],
  });
  try {
    const error = await http.request(`${server.origin}/x`).then(() => undefined, (e) => e);
    assert.ok(error instanceof RequestNotSent, String(error));
    assert.match(error.message, /^destination not allowed: it resolves to a private address$/);
    assert.deepEqual(resolver.asked, ["files.internal-cdn.example"]);
    assert.deepEqual(connector.asked, [`127.0.0.1:${server.port}`]);
  } finally {
    http.closeIdle();
    await server.close();
  }
});

Deno.test("egress transport: a name is connected to at the address that was checked (no second lookup to rebind)", async () => {
  const { http, connector, resolver } = client("", { "cdn.example": ["93.184.216.34"] });
  const error = await http.request("https://cdn.example:8443/a.mp4").then(
    () => undefined,
    (e) => e,
  );
  assert.ok(error instanceof RequestNotSent, String(error));
  // the recorder was asked for the checked address, not the name, and refused to connect
  assert.deepEqual(connector.asked, ["93.184.216.34:8443"]);
  assert.deepEqual(resolver.asked, ["cdn.example"]);
  assert.equal(error.message, "the connection to the destination failed");
});

Deno.test("egress transport: loopback not on the allow-list is refused before connecting, also for POST", async () => {
  const { http, connector } = client("localhost");
  for (const url of ["http://127.0.0.1:54322/", "http://[::1]:5432/", "http://127.0.0.2:80/"]) {
    const error = await http.request(url, { method: "POST", body: "x" }).then(
      () => undefined,
      (e) => e,
    );
    assert.ok(error instanceof RequestNotSent, String(error));
    assert.equal(error.message, "destination not allowed: it resolves to a loopback address");
  }
  assert.deepEqual(connector.asked, []);
});

Deno.test("egress transport: a refused connection's error names no address or port", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const { http, connector } = client("127.0.0.1");
  const error = await http.request(`http://127.0.0.1:${port}/hook`, { method: "POST", body: "{}" })
    .then(() => undefined, (e) => e);
  assert.ok(error instanceof RequestNotSent, String(error));
  assert.equal(error.message, "connection refused by the destination");
  assert.deepEqual(connector.asked, [`127.0.0.1:${port}`]);
  const failure = classifyNetworkError(PROFILE, error, {
    method: "POST",
    now: new Date(),
    timedOut: false,
  });
  assert.equal(failure.message, "Test: network error: connection refused by the destination");
  assert.equal(failure.outcome, "not_applied");
});

async function compressed(format: "gzip" | "deflate", size: number): Promise<Uint8Array> {
  const stream = new Blob([new Uint8Array(size)]).stream().pipeThrough(
    new CompressionStream(format),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

Deno.test("egress transport: a gzip or deflate bomb is cut at the cap as it decodes", async () => {
  const bombs = {
    gzip: await compressed("gzip", 32 * 1024 * 1024),
    deflate: await compressed("deflate", 32 * 1024 * 1024),
    small: await compressed("gzip", 1000),
  };
  assert.ok(bombs.gzip.length < 256 * 1024, `the bomb is small on the wire: ${bombs.gzip.length}`);
  const server = serve((req) => {
    const kind = new URL(req.url).pathname.slice(1) as keyof typeof bombs;
    return new Response(bombs[kind] as Uint8Array<ArrayBuffer>, {
      headers: { "content-encoding": kind === "deflate" ? "deflate" : "gzip" },
    });
  });
  const { http } = client("127.0.0.1", {}, { maxBodyBytes: 1024 * 1024 });
  try {
    for (const kind of ["gzip", "deflate"]) {
      const error = await http.request(`${server.origin}/${kind}`).then(() => undefined, (e) => e);
      assert.ok(error.cause instanceof AnswerTooLarge, `${kind}: ${error}`);
      assert.match(error.message, /decodes to more than the 1048576 bytes/);
    }
    // the per-request cap is lower still
    const capped = await http.request(`${server.origin}/small`, { maxBodyBytes: 999 }).then(
      () => undefined,
      (e) => e,
    );
    assert.ok(capped.cause instanceof AnswerTooLarge, String(capped));
    const small = await http.request(`${server.origin}/small`);
    assert.equal(small.body?.length, 1000);
    assert.ok(small.body?.every((b) => b === 0));
  } finally {
    http.closeIdle();
    await server.close();
  }
});

/** A raw server that answers with a head and the first bytes of a body it never finishes. */
function endlessServer(head: string, first: Uint8Array) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  let connections = 0;
  (async () => {
    for await (const conn of listener) {
      connections++;
      conns.push(conn);
      (async () => {
        const buf = new Uint8Array(65_536);
        try {
          await conn.read(buf);
          await conn.write(new TextEncoder().encode(head));
          await conn.write(first);
        } catch {
          // the client closed first
        }
      })();
    }
  })();
  return {
    origin: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    get connections() {
      return connections;
    },
    close() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch {
          // already closed
        }
      }
    },
  };
}

Deno.test("egress transport: a prefix read takes at most its bytes of a huge answer and closes the connection", async () => {
  const body = new Uint8Array(65_536).fill(97);
  const chunk = new TextEncoder().encode(`10000\r\n`);
  const variants = {
    length: endlessServer("HTTP/1.1 200 OK\r\ncontent-length: 1073741824\r\n\r\n", body),
    chunked: endlessServer(
      "HTTP/1.1 500 Oops\r\ntransfer-encoding: chunked\r\n\r\n",
      new Uint8Array([...chunk, ...body]),
    ),
    close: endlessServer("HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n", body),
  };
  const { http } = client("127.0.0.1");
  try {
    for (const [name, server] of Object.entries(variants)) {
      const first = await http.request(`${server.origin}/`, {
        method: "POST",
        body: "{}",
        bodyPrefixBytes: 4096,
      });
      assert.equal(first.body?.length, 4096, name);
      assert.ok(first.body?.every((b) => b === 97), name);
      await http.request(`${server.origin}/`, { method: "POST", body: "{}", bodyPrefixBytes: 10 });
      assert.equal(server.connections, 2, `${name}: the connection is not reused`);
    }
    // read whole, the same answer is refused as too large, not read into memory
    const whole = await http.request(`${variants.length.origin}/`).then(() => undefined, (e) => e);
    assert.ok(whole.cause instanceof AnswerTooLarge, String(whole));
  } finally {
    http.closeIdle();
    for (const server of Object.values(variants)) server.close();
  }
});

Deno.test("egress transport: an X post whose media URL redirects to the metadata service fails unsent, nothing reaches X", async () => {
  const media = serve(() =>
    new Response(null, {
      status: 302,
      headers: { location: "http://metadata.attacker.example/latest/meta-data/" },
    })
  );
  const apiCalls: string[] = [];
  const api = serve((req) => {
    apiCalls.push(new URL(req.url).pathname);
    return Response.json({ data: { id: "1" } }, { status: 201 });
  });
  const { http, connector, resolver } = client("127.0.0.1", {
    "metadata.attacker.example": ["169.254.169.254"],
  });
  try {
    const adapter = createAdapter(
      {
        id: "p",
        client_id: "c",
        kind: "x",
        name: "X",
        publish_config: { base_url: api.origin },
        credentials_secret_id: null,
      },
      { app_key: "k", app_secret: "s", access_token: "t", access_secret: "a" },
      { transport: http.request },
    );
    const result = await adapter.publish(
      { body: "with a picture", mediaUrls: [`${media.origin}/cat.jpg`] },
      { attemptId: "00000000-0000-4000-8000-000000000001" },
    );
    assert.ok(!result.ok);
    assert.equal(result.errorClass, "permanent");
    assert.equal(result.outcome, "not_applied");
    assert.match(
      result.message,
      /destination not allowed: it resolves to a cloud metadata address/,
    );
    assert.deepEqual(resolver.asked, ["metadata.attacker.example"]);
    assert.deepEqual(connector.asked, [`127.0.0.1:${media.port}`]);
    assert.deepEqual(apiCalls, []);
  } finally {
    http.closeIdle();
    await media.close();
    await api.close();
  }
});
