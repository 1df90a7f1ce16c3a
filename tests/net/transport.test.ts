// The adapters' HTTP/1.1 client against real sockets: what a server receives, how answers are read,
// and that a request whose answer is lost is never sent again unless it is idempotent.
import assert from "node:assert/strict";
import {
  AnswerTooLarge,
  Http1Client,
  RequestNotSent,
} from "../../supabase/functions/_shared/net/transport.ts";
import { classifyNetworkError } from "../../supabase/functions/_shared/net/classify.ts";

const encoder = new TextEncoder();

interface Received {
  connection: number;
  head: string;
  body: string;
}

/**
 * A TCP server that reads whole requests and lets the test write any bytes back, or close the
 * connection instead: `answer(request, index)` returns the raw answer, or null to close.
 */
function scriptedServer(
  answer: (req: Received, index: number) => string | Uint8Array | null,
) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const received: Received[] = [];
  const conns = new Set<Deno.Conn>();
  let connections = 0;
  const serveConn = async (conn: Deno.Conn, id: number) => {
    let buffer = "";
    const chunk = new Uint8Array(65_536);
    try {
      for (;;) {
        let end = buffer.indexOf("\r\n\r\n");
        while (end < 0) {
          const n = await conn.read(chunk);
          if (n === null) return;
          buffer += new TextDecoder("latin1").decode(chunk.subarray(0, n));
          end = buffer.indexOf("\r\n\r\n");
        }
        const head = buffer.slice(0, end);
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        while (buffer.length < end + 4 + length) {
          const n = await conn.read(chunk);
          if (n === null) return;
          buffer += new TextDecoder("latin1").decode(chunk.subarray(0, n));
        }
        const req = { connection: id, head, body: buffer.slice(end + 4, end + 4 + length) };
        buffer = buffer.slice(end + 4 + length);
        received.push(req);
        const reply = answer(req, received.length - 1);
        if (reply === null) return;
        const bytes = typeof reply === "string" ? encoder.encode(reply) : reply;
        await conn.write(bytes);
        // an answer read to the end of the stream: the server closes after it
        if (/\r\nconnection: close\r\n/i.test(new TextDecoder("latin1").decode(bytes))) return;
      }
    } catch {
      // the client closed its side
    } finally {
      conns.delete(conn);
      try {
        conn.close();
      } catch { /* closed */ }
    }
  };
  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        conns.add(conn);
        serveConn(conn, ++connections);
      }
    } catch { /* listener closed */ }
  })();
  const port = (listener.addr as Deno.NetAddr).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    received,
    get connections() {
      return connections;
    },
    /** Close every open connection from the server's side (as a keep-alive timeout does). */
    dropConnections() {
      for (const c of conns) c.close();
      conns.clear();
    },
    async close() {
      listener.close();
      this.dropConnections();
      await accepting;
    },
  };
}

const ok = (body = '{"id":"1"}', extra = "") =>
  `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n${extra}\r\n${body}`;

async function withServer(
  answer: (req: Received, index: number) => string | Uint8Array | null,
  fn: (server: ReturnType<typeof scriptedServer>, client: Http1Client) => Promise<void>,
  options: ConstructorParameters<typeof Http1Client>[0] = {},
) {
  const server = scriptedServer(answer);
  const client = new Http1Client(options);
  try {
    await fn(server, client);
  } finally {
    client.closeIdle();
    await server.close();
  }
}

Deno.test("http1: an answer's header fields are read by name in any case, a repeated one joined with ', '", async () => {
  const extra = "X-Rate-Limit-Reset: 1700000000\r\nVary: accept\r\nvary: origin\r\n";
  await withServer(() => ok('{"id":"1"}', extra), async (server, client) => {
    const answer = await client.request(`${server.origin}/x`);
    assert.equal(answer.headers.get("x-rate-limit-reset"), "1700000000");
    assert.equal(answer.headers.get("VARY"), "accept, origin");
    assert.equal(answer.headers.has("retry-after"), false);
    assert.equal(answer.headers.get("retry-after"), null);
    // and through fetch, the same fields in a Response
    const res = await client.fetch(`${server.origin}/x`);
    assert.equal(res.headers.get("vary"), "accept, origin");
    assert.deepEqual(await res.json(), { id: "1" });
  });
});

Deno.test("http1: a JSON POST arrives with its headers and length; the connection is reused", async () => {
  await withServer(() => ok(), async (server, client) => {
    for (let i = 0; i < 3; i++) {
      const res = await client.fetch(`${server.origin}/posts?x=1`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer t" },
        body: JSON.stringify({ text: "héllo" }),
      });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { id: "1" });
    }
    assert.equal(server.received.length, 3);
    assert.equal(server.connections, 1);
    const head = server.received[0].head;
    assert.match(head, /^POST \/posts\?x=1 HTTP\/1\.1\r\n/);
    assert.match(head, /\r\nhost: 127\.0\.0\.1:\d+\r\n/);
    assert.match(head, /\r\nauthorization: Bearer t\r\n/);
    assert.match(head, /\r\ncontent-length: 17(\r\n|$)/); // "é" is two bytes
    assert.equal(server.received[0].body.length, 17);
  });
});

Deno.test("http1: a POST without a body says content-length 0", async () => {
  await withServer(() => ok(), async (server, client) => {
    await (await client.fetch(`${server.origin}/send`, { method: "POST" })).text();
    assert.match(server.received[0].head, /\r\ncontent-length: 0(\r\n|$)/);
    assert.doesNotMatch(server.received[0].head, /transfer-encoding/i);
  });
});

Deno.test("http1: chunked, gzip, 100-continue, 204, HTTP/1.0 and read-to-close answers", async () => {
  const gz = new Uint8Array(
    await new Response(
      new Blob(['{"zipped":true}']).stream().pipeThrough(new CompressionStream("gzip")),
    ).arrayBuffer(),
  );
  const answers: (string | Uint8Array)[] = [
    'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n6;ext=1\r\n{"a":1\r\n1\r\n}\r\n0\r\nx-trailer: t\r\n\r\n',
    new Uint8Array([
      ...encoder.encode(
        `HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\ncontent-length: ${gz.length}\r\n\r\n`,
      ),
      ...gz,
    ]),
    "HTTP/1.1 100 Continue\r\n\r\n" + ok('{"after":"continue"}'),
    "HTTP/1.1 204 No Content\r\n\r\n",
    'HTTP/1.0 200 OK\r\ncontent-length: 8\r\n\r\n{"v":10}',
    'HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n{"to":"close"}',
  ];
  await withServer((_req, i) => answers[i], async (server, client) => {
    const get = async () => await client.fetch(`${server.origin}/x`);
    assert.deepEqual(await (await get()).json(), { a: 1 });
    const zipped = await get();
    assert.deepEqual(await zipped.json(), { zipped: true });
    assert.equal(zipped.headers.get("content-encoding"), null);
    assert.deepEqual(await (await get()).json(), { after: "continue" });
    const empty = await get();
    assert.equal(empty.status, 204);
    assert.equal(await empty.text(), "");
    assert.deepEqual(await (await get()).json(), { v: 10 });
    // HTTP/1.0 without keep-alive ends its connection: the next request opens another
    assert.deepEqual(await (await get()).json(), { to: "close" });
    assert.deepEqual(server.received.map((r) => r.connection), [1, 1, 1, 1, 1, 2]);
  });
});

Deno.test("http1: an answer larger than maxBodyBytes is refused unread, its connection not reused", async () => {
  const answers = [
    `HTTP/1.1 200 OK\r\ncontent-length: 5000\r\n\r\n${"v".repeat(5000)}`,
    `HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3e8\r\n${"c".repeat(1000)}\r\n` +
    `3e8\r\n${"c".repeat(1000)}\r\n0\r\n\r\n`,
    ok('{"small":true}'),
  ];
  await withServer((_req, i) => answers[i], async (server, client) => {
    for (const what of ["content-length", "chunked"]) {
      const error = await client.fetch(`${server.origin}/big`).then(() => undefined, (e) => e);
      assert.ok(error instanceof TypeError, what);
      assert.ok(error.cause instanceof AnswerTooLarge, what);
      assert.match(error.message, /more than the 1500 this client holds in memory/);
    }
    assert.deepEqual(await (await client.fetch(`${server.origin}/small`)).json(), { small: true });
    assert.deepEqual(server.received.map((r) => r.connection), [1, 2, 3], "a new connection each");
    const failure = classifyNetworkError(
      {
        platform: "Host",
        messagePaths: [],
        codePaths: [],
        rules: [],
        rateLimitReset: { kind: "after", seconds: 1 },
      },
      new TypeError("GET: too large", { cause: new AnswerTooLarge("too large") }),
      { method: "GET", now: new Date(), timedOut: false },
    );
    assert.deepEqual([failure.errorClass, failure.outcome], ["permanent", "not_applied"]);
  }, { maxBodyBytes: 1500 });
});

Deno.test("http1: a POST whose answer is lost is not sent again, also on a reused connection", async () => {
  await withServer((_req, i) => i === 0 ? ok() : null, async (server, client) => {
    await (await client.fetch(`${server.origin}/a`, { method: "POST", body: "1" })).text();
    await assert.rejects(
      client.fetch(`${server.origin}/posts`, { method: "POST", body: '{"text":"once"}' }),
      (error: Error) => error instanceof TypeError && /no answer/.test(error.message),
    );
    assert.equal(server.received.length, 2);
    assert.equal(server.received.filter((r) => r.head.startsWith("POST /posts")).length, 1);
  });
});

Deno.test("http1: a GET that met a connection the server had closed goes once more, on a new one", async () => {
  await withServer((_req, i) => i === 1 ? null : ok(), async (server, client) => {
    await (await client.fetch(`${server.origin}/a`)).text();
    const res = await client.fetch(`${server.origin}/b`);
    assert.equal(res.status, 200);
    await res.text();
    assert.deepEqual(server.received.map((r) => [r.connection, r.head.split(" ")[1]]), [
      [1, "/a"],
      [1, "/b"],
      [2, "/b"],
    ]);
  });
});

Deno.test("http1: an idle connection the server closed is not used for the next request", async () => {
  await withServer(() => ok(), async (server, client) => {
    await (await client.fetch(`${server.origin}/a`, { method: "POST", body: "1" })).text();
    server.dropConnections(); // the server's keep-alive timeout
    await new Promise((resolve) => setTimeout(resolve, 50));
    const res = await client.fetch(`${server.origin}/b`, { method: "POST", body: "2" });
    assert.equal(res.status, 200);
    await res.text();
    assert.equal(server.received.length, 2);
    assert.equal(server.connections, 2);
  });
});

Deno.test("http1: a refused connection is RequestNotSent, so a POST is known not applied", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const client = new Http1Client();
  const error = await client.fetch(`http://127.0.0.1:${port}/x`, { method: "POST", body: "x" })
    .then(() => undefined, (e) => e);
  assert.ok(error instanceof RequestNotSent, String(error));
  const failure = classifyNetworkError(
    {
      platform: "t",
      messagePaths: [],
      codePaths: [],
      rules: [],
      rateLimitReset: { kind: "after", seconds: 1 },
    },
    error,
    { method: "POST", now: new Date(), timedOut: false },
  );
  assert.equal(failure.outcome, "not_applied");
});

Deno.test("http1: an aborted request rejects with the signal's reason and its connection is closed", async () => {
  await withServer(() => "", async (server, client) => {
    const controller = new AbortController();
    const pending = client.fetch(`${server.origin}/slow`, {
      method: "POST",
      body: "x",
      signal: controller.signal,
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    controller.abort(new DOMException("gave up", "TimeoutError"));
    await assert.rejects(pending, (e: DOMException) => e.name === "TimeoutError");
    assert.equal(server.received.length, 1);
  });
});

Deno.test("http1: a header value with CR/LF is refused before anything is sent", async () => {
  await withServer(() => ok(), async (server, client) => {
    await assert.rejects(
      client.fetch(`${server.origin}/x`, { headers: { "x-a": "1\r\nx-injected: 2" } }),
      TypeError,
    );
    assert.equal(server.connections, 0);
  });
});

Deno.test("http1: GET follows redirects (credentials stay with their origin); POST does not", async () => {
  await withServer(() => ok('{"at":"other"}'), async (other, client) => {
    await withServer(
      (req) =>
        req.head.startsWith("GET")
          ? `HTTP/1.1 302 Found\r\nlocation: ${other.origin}/moved\r\ncontent-length: 0\r\n\r\n`
          : `HTTP/1.1 307 Temporary Redirect\r\nlocation: ${other.origin}/moved\r\ncontent-length: 0\r\n\r\n`,
      async (first) => {
        const res = await client.fetch(`${first.origin}/file`, {
          headers: { authorization: "Bearer secret" },
        });
        assert.deepEqual(await res.json(), { at: "other" });
        assert.equal(other.received.length, 1);
        assert.match(other.received[0].head, /^GET \/moved /);
        assert.doesNotMatch(other.received[0].head, /authorization/i);
        const post = await client.fetch(`${first.origin}/file`, { method: "POST", body: "x" });
        assert.equal(post.status, 307);
        await post.text();
        assert.equal(other.received.length, 1);
      },
    );
  });
});

Deno.test("http1: a FormData body arrives as multipart with its boundary", async () => {
  await withServer(() => ok(), async (server, client) => {
    const form = new FormData();
    form.set("command", "APPEND");
    form.set("media", new Blob([new Uint8Array([1, 2, 3])]), "blob");
    await (await client.fetch(`${server.origin}/upload`, { method: "POST", body: form })).text();
    const { head, body } = server.received[0];
    const boundary = /content-type: multipart\/form-data; ?boundary=(\S+)/i.exec(head)?.[1];
    assert.ok(boundary, head);
    assert.match(body, /name="command"\r\n\r\nAPPEND\r\n/);
    assert.ok(body.includes(`--${boundary}--`));
  });
});

Deno.test("http1: HTTPS with the certificate checked (a private CA is trusted only when given)", async () => {
  const fixtures = new URL("./fixtures/", import.meta.url);
  const cert = await Deno.readTextFile(new URL("localhost.crt", fixtures));
  const key = await Deno.readTextFile(new URL("localhost.key", fixtures));
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", cert, key, onListen() {} },
    async (req) => Response.json({ host: req.headers.get("host"), body: await req.text() }),
  );
  const trusting = new Http1Client({ caCerts: [cert] });
  try {
    const url = `https://localhost:${server.addr.port}/posts`;
    const res = await trusting.fetch(url, { method: "POST", body: "over tls" });
    assert.deepEqual(await res.json(), { host: `localhost:${server.addr.port}`, body: "over tls" });
    const error = await new Http1Client().fetch(url, { method: "POST", body: "x" }).then(
      () => undefined,
      (e) => e,
    );
    assert.ok(error instanceof RequestNotSent, String(error));
    assert.match(error.message, /certificate/i);
  } finally {
    trusting.closeIdle();
    await server.shutdown();
  }
});

Deno.test("http1: a large upload and a large chunked answer arrive whole", async () => {
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
    const bytes = new Uint8Array(await req.arrayBuffer());
    const sum = bytes.reduce((a, b) => (a + b) % 65_521, 0);
    // streamed in pieces: sent chunked
    const piece = new Uint8Array(64 * 1024).fill(7);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 32; i++) controller.enqueue(piece);
        controller.close();
      },
    });
    return new Response(body, {
      headers: { "x-length": String(bytes.length), "x-sum": String(sum) },
    });
  });
  const client = new Http1Client();
  try {
    const upload = new Uint8Array(3 * 1024 * 1024).map((_, i) => i % 251);
    const expected = upload.reduce((a, b) => (a + b) % 65_521, 0);
    const res = await client.fetch(`http://127.0.0.1:${server.addr.port}/upload`, {
      method: "PUT",
      body: upload,
    });
    assert.equal(res.headers.get("x-length"), String(upload.length));
    assert.equal(res.headers.get("x-sum"), String(expected));
    const answer = new Uint8Array(await res.arrayBuffer());
    assert.equal(answer.length, 32 * 64 * 1024);
    assert.ok(answer.every((b) => b === 7));
  } finally {
    client.closeIdle();
    await server.shutdown();
  }
});

Deno.test("http1: a large answer with a content-length arrives whole, and its connection serves the next request", async () => {
  const big = new Uint8Array(5 * 1024 * 1024 + 3).map((_, i) => (i * 7 + (i >> 12)) % 251);
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    (req) =>
      new URL(req.url).pathname === "/video"
        ? new Response(big, { headers: { "content-type": "video/mp4" } })
        : Response.json({ id: "after" }),
  );
  const client = new Http1Client();
  try {
    const url = `http://127.0.0.1:${server.addr.port}`;
    const res = await client.fetch(`${url}/video`);
    assert.equal(res.headers.get("content-length"), String(big.length));
    const got = new Uint8Array(await res.arrayBuffer());
    assert.equal(got.length, big.length);
    assert.ok(got.every((b, i) => b === big[i]), "every byte in its place");
    // without a Response: the body as received, in an array of its own size (held once)
    const again = await client.request(`${url}/video`);
    assert.equal(again.headers.get("Content-Type"), "video/mp4");
    assert.ok(
      again.body?.every((b, i) => b === big[i]),
      "every byte of the answer's body in its place",
    );
    assert.equal(again.body?.buffer.byteLength, big.length);
    const next = await client.request(`${url}/next`);
    assert.deepEqual(JSON.parse(new TextDecoder().decode(next.body!)), { id: "after" });
  } finally {
    client.closeIdle();
    await server.shutdown();
  }
});

Deno.test("http1: a streamed body is read as consumed, past maxBodyBytes; read to its end its connection is reused, cancelled or cut off it is closed", async () => {
  const gz = new Uint8Array(
    await new Response(
      new Blob(["z".repeat(3000)]).stream().pipeThrough(new CompressionStream("gzip")),
    ).arrayBuffer(),
  );
  const answers: (string | Uint8Array)[] = [
    `HTTP/1.1 200 OK\r\ncontent-length: 5000\r\n\r\n${"v".repeat(5000)}`,
    `HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3e8\r\n${"c".repeat(1000)}\r\n` +
    `3e8\r\n${"c".repeat(1000)}\r\n0\r\n\r\n`,
    new Uint8Array([
      ...encoder.encode(
        `HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\ncontent-length: ${gz.length}\r\n\r\n`,
      ),
      ...gz,
    ]),
    `HTTP/1.1 404 Not Found\r\ncontent-length: 9\r\n\r\nnot found`,
    `HTTP/1.1 200 OK\r\ncontent-length: 5000\r\n\r\n${"x".repeat(5000)}`,
    ok('{"next":true}'),
    `HTTP/1.1 200 OK\r\ncontent-length: 5000\r\nconnection: close\r\n\r\n${"s".repeat(100)}`,
    `HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n3e8\r\n${
      "c".repeat(1000)
    }\r\n`,
    `HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n${"e".repeat(4000)}`,
  ];
  await withServer((_req, i) => answers[i], async (server, client) => {
    const streamed = async () => {
      const answer = await client.request(`${server.origin}/media`, { streamBody: true });
      return { answer, text: () => new Response(answer.stream).text() };
    };
    const whole = await streamed();
    assert.equal(whole.answer.body, null);
    assert.equal((await whole.text()).length, 5000, "past the 1500 bytes held in memory");
    assert.equal(await (await streamed()).text(), "c".repeat(2000));
    const zipped = await streamed();
    assert.equal(
      zipped.answer.headers.get("content-length"),
      null,
      "the encoded length is dropped",
    );
    assert.equal(await zipped.text(), "z".repeat(3000));
    const missing = await streamed();
    assert.equal(missing.answer.stream, undefined, "an error answer is read whole");
    assert.equal(new TextDecoder().decode(missing.answer.body!), "not found");
    const cancelled = await streamed();
    const reader = cancelled.answer.stream!.getReader();
    assert.ok((await reader.read()).value!.length > 0);
    await reader.cancel();
    assert.deepEqual(await (await client.fetch(`${server.origin}/next`)).json(), { next: true });
    for (
      const cut of [/after 100 of the 5000 bytes of its Content-Length/, /inside a chunked body/]
    ) {
      const error = await (await streamed()).text().then(() => undefined, (e) => e);
      assert.ok(error instanceof TypeError);
      assert.match(error.message, cut);
    }
    assert.equal(await (await streamed()).text(), "e".repeat(4000), "read to the close");
    assert.deepEqual(
      server.received.map((r) => r.connection),
      [1, 1, 1, 1, 1, 2, 2, 3, 4],
      "reused after a body read to its end; a new connection after a cancelled or cut-off one",
    );
  }, { maxBodyBytes: 1500 });
});
