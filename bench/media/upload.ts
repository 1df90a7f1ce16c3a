// One YouTube upload in a process of its own, for bench/media: prints the process's peak resident
// memory (VmHWM) before and after, in bytes, as JSON.
//   deno run -A bench/media/upload.ts <emulator origin> <video bytes> <ranged|whole>
import { YouTubeAdapter } from "../../supabase/functions/_shared/adapters/youtube.ts";
import { DEFAULT_YOUTUBE_CHANNEL } from "../../dev/emulators/youtube.ts";
import { Http1Client } from "../../supabase/functions/_shared/net/transport.ts";

const [origin, bytes, mode] = Deno.args;
const peak = () =>
  Number(/VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"))![1]) * 1024;
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
  // the baseline reads the whole file: past the 192 MiB the shared client would refuse
  { transport: new Http1Client({ maxBodyBytes: 2 ** 31 }).request },
);
const before = peak();
const started = performance.now();
const result = await adapter.publish({
  title: "bench/media",
  body: "a large video",
  mediaUrls: [
    `${origin}/__emulator/media/v.mp4?bytes=${bytes}${mode === "whole" ? "&ranges=none" : ""}`,
  ],
}, { attemptId: crypto.randomUUID() });
if (!result.ok) throw new Error(`upload failed: ${result.message}`);
console.log(JSON.stringify({ before, after: peak(), ms: performance.now() - started }));
