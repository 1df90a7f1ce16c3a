// bench/media: how much memory a video upload takes. A YouTube upload of a large video, each in a
// process of its own: from a media host that serves byte ranges (read and sent a window at a time),
// from one that ignores Range (its body streamed, a window at a time), from one that ignores Range
// and sends no Content-Length (counted through once, then streamed), and, as the baseline, the file
// read whole (how a host ignoring Range was read before its body was streamed; no upload).
// Prints the growth of each process's peak resident memory, its peak, and the growth's ratio to the
// baseline's.
//   bash bench/media/run.sh   (BENCH_VIDEO_MB=300)
import { serveEmulator } from "../../dev/emulators/framework.ts";
import { youtubeEmulator } from "../../dev/emulators/youtube.ts";

const MB = 1024 * 1024;
const size = Number(Deno.env.get("BENCH_VIDEO_MB") ?? 300) * MB;
const emu = serveEmulator(youtubeEmulator({ dailyQuota: 1_000_000_000 }));
type Mode = "ranged" | "streamed" | "unsized" | "whole";

async function upload(mode: Mode) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "-A",
      new URL("./upload.ts", import.meta.url).pathname,
      emu.origin,
      String(size),
      mode,
    ],
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`the ${mode} upload failed`);
  const r = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    before: number;
    after: number;
    ms: number;
  };
  return { growth: r.after - r.before, peak: r.after, ms: r.ms };
}

try {
  const modes: [Mode, string][] = [
    ["ranged", "ranged host (8 MiB windows and chunks)"],
    ["streamed", "host ignoring Range, streamed"],
    ["unsized", "host ignoring Range, no Content-Length (counted, then streamed)"],
    ["whole", "the file read whole (the baseline, no upload)"],
  ];
  const results = new Map<Mode, Awaited<ReturnType<typeof upload>>>();
  for (const [mode] of modes) results.set(mode, await upload(mode));
  const videos = [...emu.state.videos.values()];
  if (videos.length !== 3 || videos.some((v) => v.bytes !== size)) {
    throw new Error("an upload is missing");
  }
  const mb = (n: number) => (n / MB).toFixed(1);
  const baseline = results.get("whole")!.growth;
  console.log(
    `bench/media: one YouTube upload of a ${
      mb(size)
    } MB video, peak resident memory of the process`,
  );
  for (const [mode, label] of modes) {
    const r = results.get(mode)!;
    console.log(
      `  ${label}: +${mb(r.growth)} MB (peak ${mb(r.peak)} MB) in ${(r.ms / 1000).toFixed(1)} s, ` +
        `${(r.growth / baseline).toFixed(3)}x the baseline`,
    );
  }
} finally {
  await emu.close();
}
