// One YouTube upload in a process of its own, for bench/media: prints the process's peak resident
// memory (VmHWM) before and after, in bytes, as JSON.
//   deno run -A bench/media/upload.ts <emulator origin> <video bytes> <ranged|streamed|unsized|whole>
// ranged: a host serving byte ranges; streamed: one ignoring Range, with a Content-Length; unsized:
// one ignoring Range, without a Content-Length (counted through, then streamed); whole: no upload,
// the file read whole through HttpClient.download, as a host ignoring Range was read before.
import { YouTubeAdapter } from "../../supabase/functions/_shared/adapters/youtube.ts";
import { DEFAULT_YOUTUBE_CHANNEL } from "../../dev/emulators/youtube.ts";
import { defaultHttpDeps, HttpClient } from "../../supabase/functions/_shared/net/api-client.ts";
import { Http1Client } from "../../supabase/functions/_shared/net/transport.ts";

const [origin, bytes, mode] = Deno.args;
const peak = () =>
  Number(/VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"))![1]) * 1024;
const query = { ranged: "", streamed: "&ranges=none", unsized: "&ranges=none&length=none" }[
  mode as "ranged" | "streamed" | "unsized"
] ?? "&ranges=none";
const url = `${origin}/__emulator/media/v.mp4?bytes=${bytes}${query}`;
// a client that would hold the whole file: past the 192 MiB the shared client refuses
const transport = new Http1Client({ maxBodyBytes: 2 ** 31 }).request;
const before = peak();
const started = performance.now();
if (mode === "whole") {
  const http = new HttpClient(defaultHttpDeps({ transport }), {
    platform: "Media host",
    messagePaths: [],
    codePaths: [],
    rules: [],
    rateLimitReset: { kind: "after", seconds: 60 },
  });
  const whole = await http.download(url);
  if (!whole.ok) throw new Error(`download failed: ${whole.message}`);
} else {
  const adapter = new YouTubeAdapter(
    {
      id: crypto.randomUUID(),
      client_id: crypto.randomUUID(),
      kind: "youtube",
      name: "bench",
      publish_config: { base_url: origin },
      credentials_secret_id: null,
    },
    { access_token: DEFAULT_YOUTUBE_CHANNEL.access_token },
    { transport },
  );
  const result = await adapter.publish({
    title: "bench/media",
    body: "a large video",
    mediaUrls: [url],
  }, { attemptId: crypto.randomUUID() });
  if (!result.ok) throw new Error(`upload failed: ${result.message}`);
}
console.log(JSON.stringify({ before, after: peak(), ms: performance.now() - started }));
