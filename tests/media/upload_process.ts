// One upload in a process of its own, for tests/media/stream_memory.test.ts: the process's peak
// resident memory (VmHWM, bytes) after it, as JSON on stdout.
//   deno run -A tests/media/upload_process.ts <youtube|tiktok|buffered> <platform origin> <media URL>
// `buffered` reads the media URL whole through HttpClient.download, as an upload from a host that
// ignores Range did before media was streamed: the probe must see that file in memory.
import { YouTubeAdapter } from "../../supabase/functions/_shared/adapters/youtube.ts";
import { TikTokAdapter } from "../../supabase/functions/_shared/adapters/tiktok.ts";
import { DEFAULT_YOUTUBE_CHANNEL } from "../../dev/emulators/youtube.ts";
import { defaultHttpDeps, HttpClient } from "../../supabase/functions/_shared/net/api-client.ts";
import { Http1Client } from "../../supabase/functions/_shared/net/transport.ts";
import { platformRow } from "../adapters/helpers.ts";

const [mode, origin, mediaUrl] = Deno.args;
const peak = () =>
  Number(/VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"))![1]) * 1024;

let outcome: { ok: boolean; message?: string; externalId?: string };
if (mode === "buffered") {
  // a client that holds a 300 MB answer, as the whole-file read needed
  const transport = new Http1Client({ maxBodyBytes: 2 ** 31 }).request;
  const http = new HttpClient(defaultHttpDeps({ transport }), {
    platform: "Media host",
    messagePaths: [],
    codePaths: [],
    rules: [],
    rateLimitReset: { kind: "after", seconds: 60 },
  });
  const whole = await http.download(mediaUrl);
  outcome = whole.ok ? { ok: true, message: `${whole.data.length} bytes` } : whole;
} else {
  const adapter = mode === "youtube"
    ? new YouTubeAdapter(platformRow("youtube", { base_url: origin }), {
      access_token: DEFAULT_YOUTUBE_CHANNEL.access_token,
    })
    : new TikTokAdapter(
      platformRow("tiktok", {
        base_url: origin,
        video_source: "file_upload",
        poll_interval_ms: 10,
        poll_attempts: 500,
      }),
      { access_token: "tt-token" },
    );
  const result = await adapter.publish({
    title: "a large video",
    body: "a large video",
    mediaUrls: [mediaUrl],
    platformSpecific: { privacy_level: "PUBLIC_TO_EVERYONE" },
  }, { attemptId: crypto.randomUUID() });
  outcome = result.ok ? { ok: true, externalId: result.externalId } : result;
}
console.log(JSON.stringify({ ...outcome, peak: peak() }));
