// CPU a published email in this process: the email adapter on @mailchimp/mailchimp_marketing (its
// superagent over node:http, through net/node-agent.ts) against the previous client, the same three
// calls (create, content, send) with the same schema checks through the shared HttpClient
// (net/api-client.ts over net/transport.ts). Both against the Mailchimp emulator in another process,
// the same run, interleaved rounds; connections kept alive on both sides.
//   node_modules/.bin/deno run -A bench/publish/sdk-email.ts [posts per round, default 1000]
import { z } from "zod";
import { EmailAdapter, MAILCHIMP_ERRORS } from "../../supabase/functions/_shared/adapters/email.ts";
import { attemptMarker } from "../../supabase/functions/_shared/adapters/adapter.ts";
import { defaultHttpDeps, HttpClient } from "../../supabase/functions/_shared/net/api-client.ts";
import { processCpuUs } from "./cpu.ts";

const POSTS = Number(Deno.args[0] ?? 1000);
const CONCURRENCY = 8;
const ROUNDS = 3;
const KEY = "emulator-key-us1";
const CONFIG = { list_id: "list1", from_name: "The Team", reply_to: "team@example.com" };

// the emulator is on loopback: allow it as the local stack does (dev/lib.sh)
Deno.env.set("EGRESS_ALLOWED_HOSTS", "127.0.0.1");

const server = new Deno.Command(Deno.execPath(), {
  args: ["run", "--quiet", "-A", new URL("./mailchimp-emulator.ts", import.meta.url).pathname],
  stdout: "piped",
  stderr: "inherit",
}).spawn();
const reader = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
const { value } = await reader.read();
const root = `http://127.0.0.1:${Number(value?.trim())}/3.0`;

const content = (i: number) => ({
  title: `News ${i}`,
  body: `<p>${"A newsletter paragraph. ".repeat(20)}</p><p><a href="*|UNSUB|*">Unsubscribe</a></p>`,
});
const row = {
  id: crypto.randomUUID(),
  client_id: crypto.randomUUID(),
  kind: "email" as const,
  name: "bench",
  publish_config: { base_url: root, ...CONFIG },
  credentials_secret_id: null,
};

const Campaign = z.object({ id: z.string(), status: z.string() });
const Content = z.object({ html: z.string() });

/** The previous client: the adapter's calls as it made them through the shared HttpClient. */
function previousClient() {
  const http = new HttpClient(defaultHttpDeps(), MAILCHIMP_ERRORS);
  const validator = new EmailAdapter(row, { api_key: KEY });
  const headers = { authorization: `Basic ${btoa(`user:${KEY}`)}` };
  return async (i: number, attemptId: string) => {
    const c = content(i);
    if (!validator.validate(c).valid) throw new Error("invalid");
    const created = await http.request({
      method: "POST",
      url: `${root}/campaigns`,
      headers,
      json: {
        type: "regular",
        recipients: { list_id: CONFIG.list_id },
        settings: {
          subject_line: c.title,
          from_name: CONFIG.from_name,
          reply_to: CONFIG.reply_to,
          title: attemptMarker(attemptId),
        },
      },
    }, { json: Campaign });
    if (!created.ok) throw new Error(created.message);
    const id = encodeURIComponent(created.data.id);
    const html = await http.request(
      { method: "PUT", url: `${root}/campaigns/${id}/content`, headers, json: { html: c.body } },
      { json: Content },
    );
    if (!html.ok) throw new Error(html.message);
    const sent = await http.send({
      method: "POST",
      url: `${root}/campaigns/${id}/actions/send`,
      headers,
    });
    if ("ok" in sent) throw new Error(sent.message);
  };
}

/** The email adapter as it runs: every call through the SDK. */
function sdkClient() {
  const adapter = new EmailAdapter(row, { api_key: KEY });
  return async (i: number, attemptId: string) => {
    const result = await adapter.publish(content(i), { attemptId });
    if (!result.ok) throw new Error(result.message);
  };
}

type Publish = (i: number, attemptId: string) => Promise<void>;

/** CPU µs of this process per published email, `POSTS` emails `CONCURRENCY` at once. */
async function measure(name: string, publish: Publish, posts: number): Promise<number> {
  let next = 0;
  const before = processCpuUs(Deno.pid);
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < posts) {
      const i = next++;
      await publish(i, `${name}-${crypto.randomUUID()}`);
    }
  }));
  return (processCpuUs(Deno.pid) - before) / posts;
}

try {
  const clients: [string, Publish][] = [["previous", previousClient()], ["sdk", sdkClient()]];
  for (const [name, publish] of clients) await measure(name, publish, 200); // warm-up (JIT)
  const results = new Map<string, number[]>(clients.map(([name]) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, publish] of clients) {
      results.get(name)!.push(await measure(name, publish, POSTS));
    }
  }
  for (const [name, figures] of results) {
    const mean = figures.reduce((a, b) => a + b, 0) / figures.length;
    console.log(
      `${name.padEnd(9)} ${(mean / 1000).toFixed(2)} ms CPU an email (3 requests), rounds: ${
        figures.map((f) => (f / 1000).toFixed(2)).join(" / ")
      }`,
    );
  }
} finally {
  server.kill();
  await server.status;
}
Deno.exit(0);
