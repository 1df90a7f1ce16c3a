// The HTTP limit of this machine, for bench/publish: round trips per second from the adapters' own
// HttpClient (over net/transport.ts, kept-alive connections) to a bare Deno.serve in another process,
// `concurrency` at once, and the CPU each side spends per round trip; and the same with Deno's fetch
// as the HttpClient's transport, for comparison.
import process from "node:process";
import { z } from "zod";
import { defaultHttpDeps, HttpClient } from "../../supabase/functions/_shared/net/api-client.ts";
import type { ErrorProfile } from "../../supabase/functions/_shared/net/classify.ts";
import { processCpuUs } from "./cpu.ts";

const PROFILE: ErrorProfile = {
  platform: "bench",
  messagePaths: [],
  codePaths: [],
  rules: [],
  rateLimitReset: { kind: "after", seconds: 60 },
};

export interface HttpLimit {
  roundTripsPerS: number;
  clientUsPerRoundTrip: number;
  serverUsPerRoundTrip: number;
}

export async function measureHttpLimit(
  transport: "http1" | "fetch" = "http1",
  requests = 20_000,
  concurrency = 64,
): Promise<HttpLimit> {
  const server = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "-A", new URL("./http-echo.ts", import.meta.url).pathname],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  try {
    const reader = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const { value } = await reader.read();
    const origin = `http://127.0.0.1:${Number(value?.trim())}`;
    const deps = transport === "fetch"
      ? { fetch: (i: URL | RequestInfo, init?: RequestInit) => fetch(i, init) }
      : {};
    const http = new HttpClient(defaultHttpDeps(deps), PROFILE);
    const body = { text: "a post of a few hundred characters ".repeat(10) };
    const schema = z.object({ id: z.string() });
    const run = async (n: number) => {
      let left = n;
      await Promise.all(Array.from({ length: concurrency }, async () => {
        while (left-- > 0) {
          const res = await http.request({ method: "POST", url: `${origin}/post`, json: body }, {
            json: schema,
          });
          if (!res.ok) throw new Error(`HTTP limit: ${res.message}`);
        }
      }));
    };
    await run(Math.min(requests, 2000)); // warm-up: compiled code, open connections
    const server0 = processCpuUs(server.pid);
    const client0 = process.cpuUsage();
    const t0 = performance.now();
    await run(requests);
    const seconds = (performance.now() - t0) / 1000;
    const client = process.cpuUsage(client0);
    const serverUs = processCpuUs(server.pid) - server0;
    await reader.cancel();
    return {
      roundTripsPerS: requests / seconds,
      clientUsPerRoundTrip: (client.user + client.system) / requests,
      serverUsPerRoundTrip: serverUs / requests,
    };
  } finally {
    server.kill();
    await server.status;
  }
}

if (import.meta.main) {
  console.log("http1", await measureHttpLimit("http1"));
  console.log("fetch", await measureHttpLimit("fetch"));
}
