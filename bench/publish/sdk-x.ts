// CPU a post for X, same run, same machine: the OAuth 1.0a-signed POST /2/tweets through npm
// `twitter-api-v2` (adapters/x-api.ts over net/node-agent.ts's Agent on Deno's node:http) against the
// previous client, the shared HttpClient (net/transport.ts) sending the same request; and the whole
// `XAdapter.publish` (the SDK call and the adapter's validation); and the SDK with a fresh connection
// for every request (a stock Agent without keep-alive, the other way to rule out a resend). All post
// to a bare X in another process (x-echo.ts) over loopback connections, `concurrency` posts at once;
// this process's CPU (user + system) is divided by the posts. Bench only: `deno run -A
// bench/publish/sdk-x.ts [posts] [concurrency]`.
import http from "node:http";
import process from "node:process";
import { z } from "zod";
import { XAdapter } from "../../supabase/functions/_shared/adapters/x.ts";
import { defaultHttpDeps, HttpClient } from "../../supabase/functions/_shared/net/api-client.ts";
import { OAuth1Signer } from "../../supabase/functions/_shared/platforms/oauth1.ts";
import { X_ERRORS } from "../../supabase/functions/_shared/adapters/x.ts";
import { XApi } from "../../supabase/functions/_shared/adapters/x-api.ts";
import { sendOnceAgent } from "../../supabase/functions/_shared/net/node-agent.ts";
import type { PlatformRow } from "../../supabase/functions/_shared/adapters/types.ts";

const CREDS = { app_key: "k", app_secret: "s", access_token: "t", access_secret: "a" };
const CreatedSchema = z.object({ data: z.object({ id: z.string(), text: z.string() }) });
const TEXT = "A post of a couple of hundred characters, with a link https://example.com/a?b=1 ";

export interface XPostCpu {
  /** `XAdapter.publish`: the SDK call plus the adapter's own work (validation: twitter-text). */
  client: "twitter-api-v2" | "HttpClient" | "XAdapter.publish" | "twitter-api-v2, fresh connection";
  concurrency: number;
  posts: number;
  cpuUsPerPost: number;
  postsPerS: number;
}

type Poster = (i: number) => Promise<void>;

function posters(origin: string): Record<XPostCpu["client"], Poster> {
  const row: PlatformRow = {
    id: crypto.randomUUID(),
    client_id: crypto.randomUUID(),
    kind: "x",
    name: "bench x",
    publish_config: { base_url: origin, timeout_ms: 10_000 },
    credentials_secret_id: null,
  };
  const adapter = new XAdapter(row, CREDS);
  const sdk = (agent: http.Agent) =>
    new XApi({ kind: "oauth1", credentials: CREDS }, agent, X_ERRORS, 10_000, () => new Date());
  const post = (api: XApi, name: string) => async (i: number) => {
    const res = await api.request({
      method: "POST",
      url: `${origin}/2/tweets`,
      json: { text: `${TEXT}${i}` },
    }, { json: CreatedSchema });
    if (!res.ok) throw new Error(`${name}: ${res.message}`);
  };
  const shared = new HttpClient(defaultHttpDeps({ timeoutMs: 10_000 }), X_ERRORS)
    .withAuthorizer(new OAuth1Signer(CREDS));
  return {
    "twitter-api-v2": post(sdk(sendOnceAgent(origin, { resend: "never" })), "twitter-api-v2"),
    // the other way to keep the runtime from resending: no connection is ever reused
    "twitter-api-v2, fresh connection": post(
      sdk(new http.Agent({ keepAlive: false })),
      "fresh connection",
    ),
    "XAdapter.publish": async (i) => {
      const res = await adapter.publish({ body: `${TEXT}${i}` }, { attemptId: String(i) });
      if (!res.ok) throw new Error(`XAdapter: ${res.message}`);
    },
    HttpClient: async (i) => {
      const res = await shared.request({
        method: "POST",
        url: `${origin}/2/tweets`,
        json: { text: `${TEXT}${i}` },
      }, { json: CreatedSchema });
      if (!res.ok) throw new Error(`HttpClient: ${res.message}`);
    },
  };
}

async function run(post: Poster, posts: number, concurrency: number): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < posts) await post(next++);
  }));
}

export async function measureXPostCpu(posts = 2000, concurrency = 1): Promise<XPostCpu[]> {
  if (Deno.env.get("EGRESS_ALLOWED_HOSTS") === undefined) {
    Deno.env.set("EGRESS_ALLOWED_HOSTS", "127.0.0.1");
  }
  const server = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "-A", new URL("./x-echo.ts", import.meta.url).pathname],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
  try {
    const { value } = await reader.read();
    const clients = posters(`http://127.0.0.1:${Number(value?.trim())}`);
    const results: XPostCpu[] = [];
    // each client twice, interleaved, so neither gets the machine's quieter moment
    const order = [
      "twitter-api-v2",
      "HttpClient",
      "XAdapter.publish",
      "twitter-api-v2, fresh connection",
    ] as const;
    for (const name of [...order, ...order]) {
      await run(clients[name], Math.min(posts, 300), concurrency); // warm-up: compiled code, connections
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await run(clients[name], posts, concurrency);
      const seconds = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      results.push({
        client: name,
        concurrency,
        posts,
        cpuUsPerPost: Math.round((cpu.user + cpu.system) / posts),
        postsPerS: Math.round(posts / seconds),
      });
    }
    return results;
  } finally {
    await reader.cancel();
    server.kill();
    await server.status;
  }
}

if (import.meta.main) {
  const posts = Number(Deno.args[0] ?? 2000);
  for (const concurrency of Deno.args[1] ? [Number(Deno.args[1])] : [1, 16]) {
    for (const r of await measureXPostCpu(posts, concurrency)) console.log(JSON.stringify(r));
  }
  Deno.exit(0);
}
