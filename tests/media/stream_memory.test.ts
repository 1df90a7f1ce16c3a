// A 300 MB video from a media host that ignores Range uploads to YouTube and to TikTok with the
// uploading process under a hosted worker's 256 MB: the file is streamed from its host, never held
// whole. Each upload runs in a process of its own (V8's heap capped at 256 MB too) that reports its
// peak resident memory (VmHWM). The probe is shown able to fail: the same process reading the file
// whole, as uploads from such a host did before, peaks above the limit.
import assert from "node:assert/strict";
import { serveEmulator } from "../../dev/emulators/framework.ts";
import { youtubeEmulator } from "../../dev/emulators/youtube.ts";
import { tiktokEmulator } from "../../dev/emulators/tiktok.ts";
import { mediaBytes } from "../../dev/emulators/media.ts";

const MB = 1024 * 1024;
const WORKER_MEMORY = 256 * MB;
const SIZE = 300 * MB + 12_345;

async function inProcess(mode: string, origin: string, mediaUrl: string) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      "--v8-flags=--max-old-space-size=256",
      new URL("./upload_process.ts", import.meta.url).pathname,
      mode,
      origin,
      mediaUrl,
    ],
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.ok(out.success, `the ${mode} process failed: ${stderr}`);
  return JSON.parse(new TextDecoder().decode(out.stdout)) as {
    ok: boolean;
    message?: string;
    externalId?: string;
    peak: number;
  };
}

/** SHA-256 (hex) of the stand-in file's bytes, made a piece at a time. */
async function fileSha256(size: number): Promise<string> {
  const { createHash } = await import("node:crypto");
  const hash = createHash("sha256");
  for (let at = 0; at < size; at += 16 * MB) {
    hash.update(mediaBytes(at, Math.min(size, at + 16 * MB)));
  }
  return hash.digest("hex");
}

const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;

Deno.test("media: a 300 MB video from a host ignoring Range uploads to YouTube and TikTok under 256 MB", async () => {
  const youtube = serveEmulator(youtubeEmulator({ dailyQuota: 1_000_000_000 }));
  const tiktok = serveEmulator(tiktokEmulator());
  try {
    const expected = await fileSha256(SIZE);
    const toYouTube = await inProcess(
      "youtube",
      youtube.origin,
      `${youtube.origin}/__emulator/media/v.mp4?bytes=${SIZE}&ranges=none`,
    );
    assert.equal(toYouTube.ok, true, toYouTube.message);
    assert.ok(toYouTube.peak < WORKER_MEMORY, `YouTube upload peaked at ${mb(toYouTube.peak)}`);
    const video = youtube.state.videos.get(toYouTube.externalId!)!;
    assert.equal(video.bytes, SIZE, "bytes received equal bytes sent");
    assert.equal(video.sha256, expected, "every byte, in order");

    // no Content-Length: the file is counted through once, then streamed again
    const toTikTok = await inProcess(
      "tiktok",
      tiktok.origin,
      `${tiktok.origin}/__emulator/media/v.mp4?bytes=${SIZE}&ranges=none&length=none`,
    );
    assert.equal(toTikTok.ok, true, toTikTok.message);
    assert.ok(toTikTok.peak < WORKER_MEMORY, `TikTok upload peaked at ${mb(toTikTok.peak)}`);
    const [publish] = tiktok.state.publishes.values();
    assert.equal(publish.upload?.size, SIZE);
    assert.equal(publish.upload?.received, SIZE, "bytes received equal bytes sent");
    assert.equal(publish.upload?.sha256, expected, "every byte, in order");
  } finally {
    await youtube.close();
    await tiktok.close();
  }
});

Deno.test("media: the memory probe sees a 300 MB file read whole (the read before streaming) over 256 MB", async () => {
  const youtube = serveEmulator(youtubeEmulator());
  try {
    const whole = await inProcess(
      "buffered",
      youtube.origin,
      `${youtube.origin}/__emulator/media/v.mp4?bytes=${SIZE}&ranges=none`,
    );
    assert.equal(whole.message, `${SIZE} bytes`);
    assert.ok(whole.peak > WORKER_MEMORY, `the whole-file read peaked at ${mb(whole.peak)}`);
  } finally {
    await youtube.close();
  }
});
