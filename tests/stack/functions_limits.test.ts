// The local functions host enforces the hosted Edge Functions limits (dev/functions-limits.ts): a worker
// past its CPU or memory budget is ended and its request answered 546 WORKER_LIMIT, the next request
// getting a fresh worker; a request past its wall-clock budget gets 504; other functions go on unharmed.
// A functions host of its own serves the test-only functions in tests/stack/limit-functions (through
// FUNCTIONS_EXTRA_DIR), with small budgets.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { stack } from "../_support/stack.ts";
import { envLimits, HOSTED_LIMITS } from "../../dev/functions-limits.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

interface Host {
  url: string;
  stop(): Promise<void>;
}

/** A functions host on a free loopback port, with the given budgets (env), serving the extra functions. */
async function startHost(budgets: Record<string, string>): Promise<Host> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "-A", "dev/functions-host.ts"],
    cwd: root,
    env: {
      ...budgets,
      API_PORT: "0",
      FUNCTIONS_EXTRA_DIR: fileURLToPath(new URL("./limit-functions", import.meta.url)),
    },
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  let url: string | null = null;
  while (url === null) {
    const { done, value } = await lines.read();
    if (done) throw new Error(`the functions host ended before listening: ${seen}`);
    seen += value;
    url = /listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(seen)?.[1] ?? null;
  }
  // Its log (the functions' output) is read and dropped, so the pipe never fills.
  const drained = (async () => {
    while (!(await lines.read()).done) { /* dropped */ }
  })();
  return {
    url,
    async stop() {
      child.kill("SIGTERM");
      await child.status;
      await drained;
    },
  };
}

async function call(
  host: Host,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${host.url}/functions/v1/${path}`, {
    ...init,
    headers: { authorization: `Bearer ${stack.anonKey}` },
  });
  return { status: res.status, body: await res.json() };
}

Deno.test("the functions host answers limit breaches as the platform does", async (t) => {
  const host = await startHost({
    FUNCTIONS_CPU_SOFT_LIMIT_MS: "400",
    FUNCTIONS_CPU_LIMIT_MS: "400",
    FUNCTIONS_MEMORY_LIMIT_MB: "96",
  });
  try {
    await t.step(
      "a request past the CPU budget gets 546; the next gets a fresh worker",
      async () => {
        const before = await call(host, "burn-cpu");
        assert.equal(before.status, 200);
        // Spinning for 60 s of wall time is 60 s of CPU: the 400 ms budget ends the worker long before.
        const [burnt, other] = await Promise.all([
          call(host, "burn-cpu?spin_ms=60000"),
          call(host, "echo/here", { method: "POST", body: "still served" }),
        ]);
        assert.equal(burnt.status, 546);
        assert.equal(burnt.body.code, "WORKER_LIMIT");
        assert.equal(burnt.body.limit, "cpu");
        assert.match(String(burnt.body.message), /CPU time \(400 ms a worker\)/);
        // Another function's worker is not the one that was ended.
        assert.equal(other.status, 200);
        assert.deepEqual(
          { method: other.body.method, path: other.body.path, body: other.body.body },
          { method: "POST", path: "/echo/here", body: "still served" },
        );
        const after = await call(host, "burn-cpu");
        assert.equal(after.status, 200);
        assert.notEqual(after.body.pid, before.body.pid, "a fresh worker serves the next request");
      },
    );

    await t.step(
      "a request past the memory budget gets 546; the next gets a fresh worker",
      async () => {
        const before = await call(host, "allocate?mb=16");
        assert.equal(before.status, 200);
        const [grown, other] = await Promise.all([
          call(host, "allocate?mb=2048"),
          call(host, "echo", { method: "POST", body: "unaffected" }),
        ]);
        assert.equal(grown.status, 546);
        assert.equal(grown.body.code, "WORKER_LIMIT");
        assert.equal(grown.body.limit, "memory");
        assert.match(String(grown.body.message), /memory \(96 MB a worker\)/);
        assert.equal(other.status, 200);
        assert.equal(other.body.body, "unaffected");
        const after = await call(host, "allocate?mb=16");
        assert.equal(after.status, 200);
        assert.notEqual(after.body.pid, before.body.pid);
      },
    );

    await t.step(
      "the host's other answers stay: an unknown function 404, a missing token 401",
      async () => {
        const unknown = await call(host, "no-such-function");
        assert.equal(unknown.status, 404);
        const res = await fetch(`${host.url}/functions/v1/echo`);
        assert.equal(res.status, 401);
        await res.body?.cancel();
      },
    );
  } finally {
    await host.stop();
  }
});

Deno.test("a request past the wall-clock budget gets 504", async () => {
  const host = await startHost({
    FUNCTIONS_WALL_CLOCK_LIMIT_MS: "1000",
    FUNCTIONS_IDLE_TIMEOUT_MS: "0",
  });
  try {
    const [slept, other] = await Promise.all([
      call(host, "sleep?ms=120000"),
      call(host, "sleep?ms=0"),
    ]);
    assert.equal(slept.status, 504);
    assert.equal(slept.body.limit, "wall_clock");
    assert.match(String(slept.body.message), /wall-clock limit \(1000 ms a request\)/);
    assert.equal(other.status, 200, "a quick request beside it is answered");
  } finally {
    await host.stop();
  }
});

Deno.test("a request whose response does not start within the idle timeout gets 504", async () => {
  const host = await startHost({
    FUNCTIONS_WALL_CLOCK_LIMIT_MS: "0",
    FUNCTIONS_IDLE_TIMEOUT_MS: "500",
  });
  try {
    const { status, body } = await call(host, "sleep?ms=120000");
    assert.equal(status, 504);
    assert.equal(body.limit, "idle_timeout");
    assert.match(String(body.message), /idle timeout \(500 ms before the response starts\)/);
  } finally {
    await host.stop();
  }
});

Deno.test("the budgets default to the hosted values; each is set by its variable, 0 turning it off", () => {
  const from = (vars: Record<string, string>) => envLimits((name) => vars[name]);
  assert.deepEqual(from({}), {
    cpuSoftMs: 1_000,
    cpuHardMs: 2_000,
    memoryMb: 256,
    wallClockMs: 150_000,
    idleTimeoutMs: 150_000,
    pollMs: 50,
  });
  assert.deepEqual(from({}), HOSTED_LIMITS);
  const off = from({ FUNCTIONS_CPU_LIMIT_MS: "0", FUNCTIONS_CPU_SOFT_LIMIT_MS: "0" });
  assert.equal(off.cpuHardMs, 0);
  assert.equal(off.cpuSoftMs, 0);
  assert.equal(from({ FUNCTIONS_WALL_CLOCK_LIMIT_MS: "400000" }).wallClockMs, 400_000);
  // A soft limit above the hard one, or none, retires the worker at the hard one.
  assert.equal(from({ FUNCTIONS_CPU_LIMIT_MS: "500" }).cpuSoftMs, 500);
  assert.equal(from({ FUNCTIONS_CPU_SOFT_LIMIT_MS: "0" }).cpuSoftMs, 2_000);
  assert.throws(() => from({ FUNCTIONS_MEMORY_LIMIT_MB: "lots" }), /FUNCTIONS_MEMORY_LIMIT_MB/);
  assert.throws(() => from({ FUNCTIONS_LIMIT_POLL_MS: "0" }), /FUNCTIONS_LIMIT_POLL_MS/);
});
