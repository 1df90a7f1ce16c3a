// The hosted Edge Functions limits, enforced by the local functions host (dev/functions-host.ts) the way
// Supabase's edge runtime enforces them (docs/local-stack.md, "Hosted limits"). Each function runs in a
// worker process of its own (dev/functions-worker.ts); a worker serves that function's requests, several
// at once, until it is retired or ends:
// - CPU: the worker's CPU time since it booted, read from /proc/<pid>/stat every poll. At the soft limit
//   it retires (finishes what it has, takes nothing new; with nothing in flight it ends at once); at the
//   hard limit it is killed and its requests in flight get 546 WORKER_LIMIT. The next request gets a
//   fresh worker.
// - Memory: V8's heap is capped at the budget (--max-old-space-size), and the resident memory the worker
//   gains after loading its function is read from /proc/<pid>/status every poll; over the budget, it is
//   killed and its requests in flight get 546.
// - Wall clock: a request not answered in full within the wall-clock budget gets 504 (or its body is cut
//   off, when it is streaming); a worker retires once it has lived that long.
// - Idle timeout: a request whose response has not started within the idle budget gets 504.
// A budget of 0 turns that limit off.
import { join as joinPath } from "node:path";
import { fileURLToPath } from "node:url";
import { READY_LINE } from "./functions-worker.ts";

export interface Limits {
  /** CPU ms a worker may use before it retires (edge runtime: cpuTimeSoftLimitMs). */
  cpuSoftMs: number;
  /** CPU ms a worker may use before it is killed (edge runtime: cpuTimeHardLimitMs). */
  cpuHardMs: number;
  /** Memory a worker may use, MB (edge runtime: memoryLimitMb). */
  memoryMb: number;
  /** How long a request may take in full, and a worker may live (edge runtime: workerTimeoutMs). */
  wallClockMs: number;
  /** How long a request may wait for its response to start. */
  idleTimeoutMs: number;
  /** How often the workers' CPU and memory are read. */
  pollMs: number;
}

/** The hosted values (free plan's wall clock), each overridable by its environment variable. */
export const HOSTED_LIMITS: Limits = {
  cpuSoftMs: 1_000,
  cpuHardMs: 2_000,
  memoryMb: 256,
  wallClockMs: 150_000,
  idleTimeoutMs: 150_000,
  pollMs: 50,
};

const ENV: Record<keyof Limits, string> = {
  cpuSoftMs: "FUNCTIONS_CPU_SOFT_LIMIT_MS",
  cpuHardMs: "FUNCTIONS_CPU_LIMIT_MS",
  memoryMb: "FUNCTIONS_MEMORY_LIMIT_MB",
  wallClockMs: "FUNCTIONS_WALL_CLOCK_LIMIT_MS",
  idleTimeoutMs: "FUNCTIONS_IDLE_TIMEOUT_MS",
  pollMs: "FUNCTIONS_LIMIT_POLL_MS",
};

export function envLimits(env: (name: string) => string | undefined = Deno.env.get): Limits {
  const limits = { ...HOSTED_LIMITS };
  for (const key of Object.keys(ENV) as (keyof Limits)[]) {
    const raw = env(ENV[key]);
    if (raw === undefined || raw === "") continue;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0 || (key === "pollMs" && value === 0)) {
      throw new Error(
        `${ENV[key]} must be a whole number${key === "pollMs" ? " above 0" : " (0: off)"}`,
      );
    }
    limits[key] = value;
  }
  // A soft limit above the hard one never fires; one of 0 with a hard limit set retires at the hard one.
  if (limits.cpuHardMs > 0 && (limits.cpuSoftMs === 0 || limits.cpuSoftMs > limits.cpuHardMs)) {
    limits.cpuSoftMs = limits.cpuHardMs;
  }
  return limits;
}

const TICKS_PER_S = 100; // USER_HZ: 100 on every Linux this runs on
const PAGE_KB = 4;

/** utime + stime of a live process in ms, and its resident memory in MB; null once it is gone. */
function readUsage(pid: number): { cpuMs: number; rssMb: number } | null {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // after "pid (comm) ": state ppid ... utime is field 14, stime 15, rss (pages) 24 (1-based)
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    const rssPages = Number(fields[21]);
    return { cpuMs: (ticks * 1000) / TICKS_PER_S, rssMb: (rssPages * PAGE_KB) / 1024 };
  } catch {
    return null;
  }
}

export type LimitName = "cpu" | "memory";

const LIMIT_TEXT: Record<LimitName, (l: Limits) => string> = {
  cpu: (l) => `CPU time (${l.cpuHardMs} ms a worker)`,
  memory: (l) => `memory (${l.memoryMb} MB a worker)`,
};

function json(status: number, body: Record<string, unknown>): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

/** The platform's answer to a request whose worker hit a resource limit. */
function workerLimit(limit: LimitName, limits: Limits): Response {
  return json(546, {
    code: "WORKER_LIMIT",
    message: `Worker failed to respond due to a resource limit: ${LIMIT_TEXT[limit](limits)}`,
    limit,
  });
}

function timeout(limit: "wall_clock" | "idle_timeout", limits: Limits): Response {
  const text = limit === "wall_clock"
    ? `the wall-clock limit (${limits.wallClockMs} ms a request)`
    : `the request idle timeout (${limits.idleTimeoutMs} ms before the response starts)`;
  return json(504, { code: "GATEWAY_TIMEOUT", message: `Function timed out: ${text}`, limit });
}

class Worker {
  readonly socket: string;
  readonly client: Deno.HttpClient;
  readonly child: Deno.ChildProcess;
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;
  /** When it began serving (its wall-clock life counts from then: booting here is slower than hosted). */
  private startedAt = Infinity;
  inFlight = 0;
  retired = false;
  /** Why the host killed it, when it did. */
  killedFor: LimitName | null = null;
  /** The worker's own stderr, last lines, to say why it failed to boot or crashed. */
  private stderrTail: string[] = [];
  private bootCpuMs = 0;
  private bootRssMb = 0;
  private alive = true;

  constructor(readonly name: string, file: string, socket: string, limits: Limits) {
    this.socket = socket;
    try {
      Deno.removeSync(socket);
    } catch {
      // none left over
    }
    // FUNCTIONS_V8_FLAGS adds V8 flags to every worker, e.g. `--prof,--logfile=/tmp/prof/w%p.log` to
    // profile what the functions spend their CPU on (docs/local-stack.md).
    const flags = [
      ...(limits.memoryMb > 0 ? [`--max-old-space-size=${limits.memoryMb}`] : []),
      ...(Deno.env.get("FUNCTIONS_V8_FLAGS") ?? "").split(",").filter((flag) => flag !== ""),
    ];
    const v8Flags = flags.length > 0 ? [`--v8-flags=${flags.join(",")}`] : [];
    this.child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", "-A", ...v8Flags, WORKER_SCRIPT],
      cwd: ROOT,
      env: { FUNCTION_NAME: name, FUNCTION_FILE: file, FUNCTION_WORKER_SOCKET: socket },
      // The worker ends when this pipe closes: it never outlives the host, however the host ends.
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.client = Deno.createHttpClient({ proxy: { transport: "unix", path: socket } });
    let readyResolve!: () => void;
    let readyReject!: (e: Error) => void;
    this.ready = new Promise((resolve, reject) => {
      readyResolve = resolve;
      readyReject = reject;
    });
    this.ready.catch(() => {});
    const stdoutDone = this.relay(this.child.stdout, console.log, (line) => {
      if (line !== READY_LINE) return false;
      const usage = readUsage(this.child.pid);
      this.bootCpuMs = usage?.cpuMs ?? 0;
      this.bootRssMb = usage?.rssMb ?? 0;
      this.startedAt = performance.now();
      // One line a worker: how many start, and what their start-up costs (bench/burst counts them).
      console.log(
        `functions host: ${this.name} worker ${this.child.pid} ready, boot CPU ${
          Math.round(this.bootCpuMs)
        } ms`,
      );
      readyResolve();
      return true;
    });
    const stderrDone = this.relay(this.child.stderr, console.error, (line) => {
      this.stderrTail.push(line);
      if (this.stderrTail.length > 20) this.stderrTail.shift();
      return false;
    });
    this.exited = this.child.status.then(async (status) => {
      this.alive = false;
      await Promise.allSettled([stdoutDone, stderrDone]);
      readyReject(
        new Error(
          `the worker exited (${status.signal ?? `code ${status.code}`}) before serving: ` +
            this.stderrTail.join("\n"),
        ),
      );
      this.client.close();
      try {
        Deno.removeSync(socket);
      } catch {
        // removed by the worker
      }
    });
  }

  /** Lines of one of the worker's streams, to the host's log (prefixed with the function's name). */
  private async relay(
    stream: ReadableStream<Uint8Array>,
    print: (line: string) => void,
    consume: (line: string) => boolean,
  ): Promise<void> {
    let rest = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      const lines = (rest + chunk).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) if (!consume(line)) print(`[${this.name}] ${line}`);
    }
    if (rest && !consume(rest)) print(`[${this.name}] ${rest}`);
  }

  /** Whether the worker died of V8's heap limit (a memory breach the poll had no time to see). */
  outOfMemory(): boolean {
    return this.stderrTail.some((l) => /heap out of memory|Reached heap limit/i.test(l));
  }

  /** Reads the worker's CPU and memory; retires or kills it when over a budget. */
  check(limits: Limits, now: number): void {
    // Booting is not counted (see startedAt); a request waiting for a boot has the idle timeout.
    if (!this.alive || this.startedAt === Infinity) return;
    const usage = readUsage(this.child.pid);
    if (!usage) return;
    const cpuMs = usage.cpuMs - this.bootCpuMs;
    if (limits.cpuHardMs > 0 && cpuMs >= limits.cpuHardMs) return this.kill("cpu");
    if (limits.memoryMb > 0 && usage.rssMb - this.bootRssMb > limits.memoryMb) {
      return this.kill("memory");
    }
    if (
      (limits.cpuSoftMs > 0 && cpuMs >= limits.cpuSoftMs) ||
      (limits.wallClockMs > 0 && now - this.startedAt >= limits.wallClockMs)
    ) {
      this.retire();
    }
  }

  isAlive(): boolean {
    return this.alive;
  }

  retire(): void {
    this.retired = true;
    if (this.inFlight === 0) this.stop();
  }

  kill(limit: LimitName): void {
    this.killedFor = limit;
    this.retired = true;
    this.stop("SIGKILL");
  }

  stop(signal: Deno.Signal = "SIGTERM"): void {
    if (!this.alive) return;
    try {
      this.child.kill(signal);
    } catch {
      // already gone
    }
  }

  /** One request ended (answered in full, failed or cancelled). */
  done(): void {
    this.inFlight--;
    if (this.retired && this.inFlight === 0) this.stop();
  }
}

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WORKER_SCRIPT = joinPath(ROOT, "dev", "functions-worker.ts");

export class FunctionWorkers {
  private readonly current = new Map<string, Worker>();
  private readonly all = new Set<Worker>();
  private readonly poller: ReturnType<typeof setInterval>;
  private count = 0;

  /** `socketDir`: where the workers' unix sockets go (short: a socket path has at most 107 bytes). */
  constructor(readonly limits: Limits, private readonly socketDir: string) {
    this.poller = setInterval(() => {
      const now = performance.now();
      for (const worker of this.all) worker.check(this.limits, now);
    }, limits.pollMs);
  }

  /** The function's worker taking requests, started when there is none. */
  private workerFor(name: string, file: string): Worker {
    const existing = this.current.get(name);
    if (existing && !existing.retired && existing.isAlive()) return existing;
    const socket = joinPath(this.socketDir, `${name.slice(0, 40)}-${++this.count}.sock`);
    const worker = new Worker(name, file, socket, this.limits);
    this.current.set(name, worker);
    this.all.add(worker);
    worker.exited.then(() => {
      this.all.delete(worker);
      if (this.current.get(name) === worker) this.current.delete(name);
    });
    return worker;
  }

  /**
   * Serves one request on the function's worker: `url` is what the function sees (/<name>/<rest>).
   * Answers 500 when the function fails to load, 546 when its worker hits a resource limit, 504 on a
   * timeout.
   */
  async serve(name: string, file: string, req: Request, url: string): Promise<Response> {
    const worker = this.workerFor(name, file);
    worker.inFlight++;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      clearTimeout(idleTimer);
      clearTimeout(wallTimer);
      worker.done();
    };
    const abort = new AbortController();
    let timedOut: "wall_clock" | "idle_timeout" | null = null;
    const idleTimer = this.limits.idleTimeoutMs > 0
      ? setTimeout(() => {
        timedOut = "idle_timeout";
        abort.abort();
      }, this.limits.idleTimeoutMs)
      : undefined;
    const wallTimer = this.limits.wallClockMs > 0
      ? setTimeout(() => {
        timedOut ??= "wall_clock";
        abort.abort();
      }, this.limits.wallClockMs)
      : undefined;
    let res: Response;
    try {
      await Promise.race([
        worker.ready,
        new Promise((_, reject) => {
          abort.signal.addEventListener("abort", () => reject(abort.signal.reason), { once: true });
        }),
      ]);
      res = await fetch(url, {
        method: req.method,
        headers: req.headers,
        body: req.body,
        redirect: "manual",
        signal: abort.signal,
        client: worker.client,
      });
    } catch (error) {
      end();
      if (timedOut) return timeout(timedOut, this.limits);
      // A worker that was killed, crashed or failed to boot is exiting: wait for it to say why.
      await Promise.race([worker.exited, new Promise((r) => setTimeout(r, 1_000))]);
      const limit = worker.killedFor ?? (worker.outOfMemory() ? "memory" : null);
      if (limit) return workerLimit(limit, this.limits);
      const bootError = await worker.ready.then(() => null, (e: Error) => e);
      if (bootError) {
        console.error(`loading ${name} failed:`, bootError.message);
        return json(500, {
          code: 500,
          message: `Function ${name} failed to load: ${bootError.message}`,
        });
      }
      return json(500, {
        code: 500,
        message: `Function ${name}'s worker failed: ${String(error)}`,
      });
    }
    clearTimeout(idleTimer);
    if (!res.body) {
      end();
      return new Response(null, {
        status: res.status,
        statusText: res.statusText,
        headers: res.headers,
      });
    }
    // The response counts as in flight until its body ends: a worker retires only after it.
    const reader = res.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            end();
            controller.close();
          } else {
            controller.enqueue(value);
          }
        } catch (error) {
          end();
          controller.error(error);
        }
      },
      cancel(reason) {
        end();
        return reader.cancel(reason);
      },
    });
    return new Response(body, {
      status: res.status,
      statusText: res.statusText,
      headers: res.headers,
    });
  }

  /** Ends every worker (the host is stopping). */
  close(): void {
    clearInterval(this.poller);
    for (const worker of this.all) worker.stop("SIGKILL");
    try {
      Deno.removeSync(this.socketDir, { recursive: true });
    } catch {
      // already gone
    }
  }
}
