// bench/x-connections: the client's CPU for X posts over https, one post for each of many accounts
// (a burst: thousands of X accounts, all posting to api.x.com), when each account's client opens its
// own connections (an agent per adapter, as before) against the isolate's shared agent
// (net/node-agent.ts sharedSendOnceAgent, as now), which pools kept-alive connections per origin.
// The platform is a loopback https server in a process of its own (server.ts); each post goes through
// XApi, the X adapter's SDK layer (twitter-api-v2, OAuth 1.0a signed), with its own credentials.
// Rounds alternate (per-account, shared, per-account, shared) in one process; prints CPU a post of
// each, their ratio, and the connections the server saw.
//   bash bench/x-connections/run.sh     (BENCH_POSTS=2000 a round, BENCH_IN_FLIGHT=25)
import process from "node:process";
import type { Agent } from "node:http";
import { z } from "zod";
import { XApi } from "../../supabase/functions/_shared/adapters/x-api.ts";
import { X_ERRORS } from "../../supabase/functions/_shared/adapters/x.ts";
import {
  sendOnceAgent,
  sharedSendOnceAgent,
} from "../../supabase/functions/_shared/net/node-agent.ts";

const POSTS = Number(Deno.env.get("BENCH_POSTS") ?? 2000);
const IN_FLIGHT = Number(Deno.env.get("BENCH_IN_FLIGHT") ?? 25);
const base = Deno.env.get("BENCH_X_BASE")!;
const Created = z.object({ data: z.object({ id: z.string() }) });

async function stats(): Promise<{ connections: number; posts: number }> {
  const res = await fetch(`${base}/stats`);
  return await res.json();
}

type Mode = "per-account" | "shared";

async function round(mode: Mode, first: number) {
  const before = await stats();
  const cpu = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < POSTS; i = next++) {
      const n = first + i;
      const agent: Agent = mode === "shared"
        ? sharedSendOnceAgent(base, "never")
        : sendOnceAgent(base, { resend: "never" });
      const api = new XApi(
        {
          kind: "oauth1",
          credentials: {
            app_key: `key-${n}`,
            app_secret: `secret-${n}`,
            access_token: `token-${n}`,
            access_secret: `access-${n}`,
          },
        },
        agent,
        X_ERRORS,
        10_000,
        () => new Date(),
      );
      const res = await api.request(
        { method: "POST", url: `${base}/2/tweets`, json: { text: `post ${n}` } },
        { json: Created },
      );
      if (!res.ok) throw new Error(`post ${n}: ${res.message}`);
      // an account's own agent is done after its one post (the old adapter's idled out after 4 s)
      if (mode === "per-account") agent.destroy();
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  const used = process.cpuUsage(cpu);
  const after = await stats();
  return {
    cpuUsPerPost: (used.user + used.system) / POSTS,
    wallMs: performance.now() - started,
    connections: after.connections - before.connections,
  };
}

const rounds: { mode: Mode; r: Awaited<ReturnType<typeof round>> }[] = [];
// a warm-up round of each, not counted (JIT, the shared agent's first connections)
await round("per-account", 0);
await round("shared", POSTS);
for (const [i, mode] of (["per-account", "shared", "per-account", "shared"] as Mode[]).entries()) {
  rounds.push({ mode, r: await round(mode, (i + 2) * POSTS) });
}
const fmt = (n: number, d = 0) => n.toLocaleString("en-US", { maximumFractionDigits: d });
for (const { mode, r } of rounds) {
  console.log(
    `${mode.padEnd(12)} ${fmt(r.cpuUsPerPost)} µs of client CPU a post, ${fmt(POSTS)} posts of ` +
      `${fmt(POSTS)} accounts in ${fmt(r.wallMs)} ms, ${fmt(r.connections)} connections`,
  );
}
const mean = (m: Mode) =>
  rounds.filter((x) => x.mode === m).reduce((s, x) => s + x.r.cpuUsPerPost, 0) / 2;
console.log(
  `shared / per-account: ${fmt(mean("shared") / mean("per-account"), 2)}x client CPU a post ` +
    `(${fmt(mean("shared"))} against ${fmt(mean("per-account"))} µs; ${IN_FLIGHT} posts in flight)`,
);
Deno.exit(0);
