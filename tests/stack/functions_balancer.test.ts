// dev/functions-balancer.ts (FUNCTIONS_WORKERS > 1): each connection goes to the worker with the fewest open
// connections, bytes pass unchanged both ways, a worker that is down is skipped, and with none up the caller
// gets a 502 JSON answer.
import assert from "node:assert/strict";
import { serveBalancer } from "../../dev/functions-balancer.ts";

interface FakeWorker {
  path: string;
  /** The requests this worker received (method, path and body). */
  received: string[];
  release(): void;
  close(): Promise<void>;
}

/** A worker that holds every request until released, then answers with its name and what it received. */
function fakeWorker(name: string): FakeWorker {
  const path = Deno.makeTempFileSync({ suffix: ".sock" });
  Deno.removeSync(path);
  const received: string[] = [];
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const server = Deno.serve({ path, onListen: () => {} }, async (req) => {
    const line = `${req.method} ${new URL(req.url).pathname} ${await req.text()}`;
    received.push(line);
    await released;
    return Response.json({ worker: name, line, host: req.headers.get("host") });
  });
  return { path, received, release, close: () => server.shutdown() };
}

function post(port: number, path: string, body: string): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}${path}`, { method: "POST", body });
}

Deno.test("overlapping calls are spread over the workers by open connections, answers passed back unchanged", async () => {
  const a = fakeWorker("a");
  const b = fakeWorker("b");
  const balancer = serveBalancer({ hostname: "127.0.0.1", port: 0, workers: [a.path, b.path] });
  try {
    const calls = [1, 2, 3, 4].map((n) =>
      post(balancer.port, `/functions/v1/publish`, `call ${n}`)
    );
    while (a.received.length + b.received.length < 4) await new Promise((r) => setTimeout(r, 10));
    assert.equal(a.received.length, 2, "two calls held by worker a");
    assert.equal(b.received.length, 2, "two calls held by worker b");
    assert.deepEqual(balancer.open(), [2, 2]);
    a.release();
    b.release();
    const answers = await Promise.all(calls.map(async (c) => (await c).json()));
    assert.deepEqual(
      answers.map((x) => x.line).sort(),
      [1, 2, 3, 4].map((n) => `POST /functions/v1/publish call ${n}`),
    );
    assert.equal(
      answers[0].host,
      `127.0.0.1:${balancer.port}`,
      "the caller's Host header reaches the worker",
    );
    assert.deepEqual([...new Set(answers.map((x) => x.worker))].sort(), ["a", "b"]);
  } finally {
    balancer.close();
    await Promise.all([a.close(), b.close()]);
  }
});

Deno.test("a worker that is down is skipped; with none up the caller gets a 502 JSON answer", async () => {
  const up = fakeWorker("up");
  const down = fakeWorker("down");
  await down.close();
  up.release();
  const balancer = serveBalancer({ hostname: "127.0.0.1", port: 0, workers: [down.path, up.path] });
  try {
    for (const n of [1, 2, 3]) {
      const res = await post(balancer.port, "/functions/v1/health", `try ${n}`);
      assert.equal(res.status, 200);
      assert.equal((await res.json()).worker, "up");
    }
    assert.equal(down.received.length, 0);
    await up.close();
    const res = await post(balancer.port, "/functions/v1/health", "none up");
    assert.equal(res.status, 502);
    assert.deepEqual(await res.json(), {
      code: 502,
      message: "no functions worker is accepting connections",
    });
  } finally {
    balancer.close();
  }
});
