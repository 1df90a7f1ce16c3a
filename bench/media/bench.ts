// bench/media: how much memory a video upload takes. A YouTube upload of a large video, each in a
// process of its own, from a media host that serves byte ranges (read and sent a window at a time) and,
// as the baseline, from one that ignores Range (the whole file in memory, as every upload was before).
// Prints the growth of each process's peak resident memory, and their ratio.
//   bash bench/media/run.sh   (BENCH_VIDEO_MB=300)
import { serveEmulator } from "../../dev/emulators/framework.ts";
import { youtubeEmulator } from "../../dev/emulators/youtube.ts";

const MB = 1024 * 1024;
const size = Number(Deno.env.get("BENCH_VIDEO_MB") ?? 300) * MB;
const emu = serveEmulator(youtubeEmulator({ dailyQuota: 1_000_000_000 }));

async function upload(mode: "ranged" | "whole") {
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
  return { growth: r.after - r.before, ms: r.ms };
}

try {
  const ranged = await upload("ranged");
  const whole = await upload("whole");
  const videos = [...emu.state.videos.values()];
  if (videos.length !== 2 || videos.some((v) => v.bytes !== size)) {
    throw new Error("an upload is missing");
  }
  const mb = (n: number) => (n / MB).toFixed(1);
  console.log(
    `bench/media: one YouTube upload of a ${
      mb(size)
    } MB video, peak resident memory of the process`,
  );
  console.log(
    `  ranged host (8 MiB windows and chunks): +${mb(ranged.growth)} MB in ${
      (ranged.ms / 1000).toFixed(1)
    } s`,
  );
  console.log(
    `  host ignoring Range (whole file, the baseline): +${mb(whole.growth)} MB in ${
      (whole.ms / 1000).toFixed(1)
    } s`,
  );
  console.log(
    `  ratio ${(ranged.growth / whole.growth).toFixed(3)}x the baseline; ${
      (ranged.growth / size).toFixed(3)
    }x the video's size`,
  );
} finally {
  await emu.close();
}
