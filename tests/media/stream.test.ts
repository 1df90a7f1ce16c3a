// A media file from a host that ignores Range, read through openMedia as the uploaders read it: a
// window at a time from a streamed body, stepping back inside the last window for free and further
// by opening the stream again; the size from Content-Length or, without one, counted through first.
// A body that ends early or runs long fails with the reason named.
import assert from "node:assert/strict";
import { httpClientFor } from "../../supabase/functions/_shared/net/api-client.ts";
import { http1 } from "../../supabase/functions/_shared/net/transport.ts";
import { type MediaFile, openMedia } from "../../supabase/functions/_shared/media/fetch.ts";
import type { Failure } from "../../supabase/functions/_shared/adapters/types.ts";
import { serveEmulator } from "../../dev/emulators/framework.ts";
import { xEmulator } from "../../dev/emulators/x.ts";
import { mediaBytes } from "../../dev/emulators/media.ts";

const PROFILE = {
  platform: "Media host",
  messagePaths: [],
  codePaths: [],
  rules: [],
  rateLimitReset: { kind: "after" as const, seconds: 60 },
};
const KiB = 1024;
const SIZE = 1000 * KiB + 17;
const WINDOW = 64 * KiB;

/** The shared client (Http1Client) and the media GETs it sent: their Range and If-Match headers. */
function recordedClient() {
  const gets: { range: string | null; ifMatch: string | null }[] = [];
  const http = httpClientFor({}, {
    transport: (url, init) => {
      const headers = new Headers(init.headers);
      gets.push({ range: headers.get("range"), ifMatch: headers.get("if-match") });
      return http1.request(url, init);
    },
  }, PROFILE);
  return { http, gets };
}

async function read(file: MediaFile, start: number, end: number) {
  const got = await file.read(start, end);
  assert.ok(got.ok, `bytes ${start}-${end}: ${!got.ok && got.message}`);
  assert.deepEqual(got.bytes, mediaBytes(start, end), `bytes ${start}-${end}`);
}

function assertFailed(result: { ok: boolean }, errorClass: string, message: RegExp) {
  assert.equal(result.ok, false, JSON.stringify(result));
  const failure = result as Failure;
  assert.equal(failure.errorClass, errorClass, failure.message);
  assert.match(failure.message, message);
}

async function withMediaHost(fn: (origin: string) => Promise<void>) {
  const emu = serveEmulator(xEmulator());
  try {
    await fn(emu.origin);
  } finally {
    await emu.close();
  }
}

Deno.test("media stream: forward reads continue the stream, a step back into the window is free, further back opens it again", () =>
  withMediaHost(async (origin) => {
    const { http, gets } = recordedClient();
    const file = await openMedia(
      http,
      `${origin}/__emulator/media/v.mp4?bytes=${SIZE}&ranges=none`,
      WINDOW,
    );
    assert.ok(file.ok, !file.ok ? file.message : undefined);
    assert.deepEqual([file.size, file.type, file.ranged], [SIZE, "video/mp4", false]);
    try {
      await read(file, 0, WINDOW);
      await read(file, 1000, 2 * WINDOW); // overlaps the window: its tail, then the stream
      await read(file, 5 * WINDOW, 6 * WINDOW); // skips forward
      await read(file, 5 * WINDOW + 10, 6 * WINDOW); // inside the window (a resumed chunk)
      assert.equal(gets.length, 1, "all from the first answer");
      await read(file, 100, 200); // before the window: the stream from byte 0 again
      await read(file, SIZE - 300, SIZE); // to the end, which must be the body's end
      assert.deepEqual(gets, [
        { range: `bytes=0-${WINDOW - 1}`, ifMatch: null },
        { range: null, ifMatch: `"mp4-${SIZE}"` },
      ]);
      await read(file, 0, 10); // after the end: once more
      assert.equal(gets.length, 3);
    } finally {
      file.close();
    }
  }));

Deno.test("media stream: without a Content-Length the file is counted through once, then streamed", () =>
  withMediaHost(async (origin) => {
    const { http, gets } = recordedClient();
    const url = `${origin}/__emulator/media/v.mp4?bytes=${SIZE}&ranges=none&length=none`;
    const file = await openMedia(http, url, WINDOW);
    assert.ok(file.ok, !file.ok ? file.message : undefined);
    assert.equal(file.size, SIZE);
    try {
      for (let at = 0; at < SIZE; at += WINDOW) await read(file, at, Math.min(SIZE, at + WINDOW));
      assert.equal(gets.length, 2, "counted, then read");
    } finally {
      file.close();
    }
    const limited = await openMedia(http, url, WINDOW, { maxBytes: 500 * KiB, name: "the limit" });
    assertFailed(limited, "permanent", /^the file is at least \d+ bytes, the limit is 512000$/);
  }));

/** A host whose n-th whole-file answer (from 0) is `bodies[n]` bytes of the file, chunked. */
async function withChangingHost(bodies: number[], fn: (url: string) => Promise<void>) {
  let served = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => {
    const size = bodies[Math.min(served++, bodies.length - 1)];
    return new Response(new Blob([mediaBytes(0, size)]).stream(), {
      headers: { "content-type": "video/mp4" },
    });
  });
  try {
    await fn(`http://127.0.0.1:${server.addr.port}/v.mp4`);
  } finally {
    await server.shutdown();
  }
}

Deno.test("media stream: a body shorter or longer than the size counted fails transiently, named", async () => {
  for (
    const [second, reason] of [
      [SIZE - 5000, /the media host: its body ended after \d+ of the file's 1024017 bytes/],
      [SIZE + 5000, /the media host: its body runs past the file's 1024017 bytes/],
    ] as const
  ) {
    await withChangingHost([SIZE, second], async (url) => {
      const file = await openMedia(recordedClient().http, url, WINDOW);
      assert.ok(file.ok, !file.ok ? file.message : undefined);
      try {
        assert.equal(file.size, SIZE);
        assertFailed(await file.read(0, SIZE), "transient", reason);
      } finally {
        file.close();
      }
    });
  }
});

/** A raw HTTP server answering every request with `head` and then `body`, then closing. */
async function withRawHost(head: string, body: Uint8Array, fn: (url: string) => Promise<void>) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const serving = (async () => {
    for await (const conn of listener) {
      try {
        // the whole request head read (a close with unread bytes would reset the connection)
        let request = "";
        const buffer = new Uint8Array(16 * KiB);
        while (!request.includes("\r\n\r\n")) {
          const n = await conn.read(buffer);
          if (n === null) break;
          request += new TextDecoder().decode(buffer.subarray(0, n));
        }
        await conn.write(new TextEncoder().encode(head));
        await conn.write(body);
      } catch { /* the client went */ }
      conn.close();
    }
  })().catch(() => {});
  try {
    await fn(`http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}/v.mp4`);
  } finally {
    listener.close();
    await serving;
  }
}

Deno.test("media stream: a body cut short of its Content-Length, or inside a chunk, fails transiently, named", async () => {
  const bytes = mediaBytes(0, 200 * KiB);
  await withRawHost(
    `HTTP/1.1 200 OK\r\ncontent-type: video/mp4\r\ncontent-length: ${SIZE}\r\n\r\n`,
    bytes,
    async (url) => {
      const file = await openMedia(recordedClient().http, url, WINDOW);
      assert.ok(file.ok, !file.ok ? file.message : undefined);
      assert.equal(file.size, SIZE);
      try {
        await read(file, 0, WINDOW);
        assertFailed(
          await file.read(WINDOW, SIZE),
          "transient",
          /^the media host: its body broke off after 204800 of the file's 1024017 bytes: /,
        );
      } finally {
        file.close();
      }
    },
  );
  const chunk = new Uint8Array([
    ...new TextEncoder().encode(`${(100 * KiB).toString(16)}\r\n`),
    ...bytes.subarray(0, 50 * KiB),
  ]);
  await withRawHost(
    "HTTP/1.1 200 OK\r\ncontent-type: video/mp4\r\ntransfer-encoding: chunked\r\n\r\n",
    chunk,
    async (url) => {
      // counting the file through meets the cut
      assertFailed(
        await openMedia(recordedClient().http, url, WINDOW),
        "transient",
        /^the media host: its body broke off after 51200 bytes, before its end: /,
      );
    },
  );
});

Deno.test("media stream: a file whose length changed when the stream is opened again fails transiently", async () => {
  let served = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => {
    const size = served++ === 0 ? SIZE : SIZE + 1;
    return new Response(mediaBytes(0, size), { headers: { "content-type": "video/mp4" } });
  });
  try {
    const url = `http://127.0.0.1:${server.addr.port}/v.mp4`;
    const file = await openMedia(recordedClient().http, url, WINDOW);
    assert.ok(file.ok, !file.ok ? file.message : undefined);
    try {
      await read(file, 2 * WINDOW, 3 * WINDOW);
      assertFailed(
        await file.read(0, WINDOW),
        "transient",
        /the file changed during the upload \(it answered 200 with 1024018 Content-Length/,
      );
    } finally {
      file.close();
    }
  } finally {
    await server.shutdown();
  }
});
