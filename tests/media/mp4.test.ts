// A video's duration read from its MP4 movie header through byte ranges, against the emulators' media
// host (which makes real ftyp/moov/mvhd/mdat boxes for `&seconds=`).
import assert from "node:assert/strict";
import { httpClientFor } from "../../supabase/functions/_shared/net/api-client.ts";
import { openMedia } from "../../supabase/functions/_shared/media/fetch.ts";
import { mp4DurationSeconds } from "../../supabase/functions/_shared/media/mp4.ts";
import { serveEmulator } from "../../dev/emulators/framework.ts";
import { xEmulator } from "../../dev/emulators/x.ts";
import { recordingFetch } from "../adapters/helpers.ts";

const PROFILE = {
  platform: "Media host",
  messagePaths: [],
  codePaths: [],
  rules: [],
  rateLimitReset: { kind: "after" as const, seconds: 60 },
};
const MiB = 1024 * 1024;

async function durationOf(query: string, name = "v.mp4") {
  const emu = serveEmulator(xEmulator());
  try {
    const recorded = recordingFetch();
    const http = httpClientFor({}, { fetch: recorded.fetch }, PROFILE);
    const file = await openMedia(
      http,
      `${emu.origin}/__emulator/media/${name}?${query}`,
      64 * 1024,
    );
    assert.ok(file.ok);
    return { seconds: await mp4DurationSeconds(file), gets: recorded.mediaGets() };
  } finally {
    await emu.close();
  }
}

Deno.test("mp4: the duration from the movie header at the start, in the first window read", async () => {
  const { seconds, gets } = await durationOf(`bytes=${20 * MiB}&seconds=45.5`);
  assert.equal(seconds, 45.5);
  assert.deepEqual(gets, ["bytes=0-65535"], "the header came with the first window");
});

Deno.test("mp4: a movie header after the media data is found by stepping over the boxes", async () => {
  const { seconds, gets } = await durationOf(`bytes=${20 * MiB}&seconds=700&moov=end`);
  assert.equal(seconds, 700);
  assert.equal(gets.length, 2, "the first window, then the window at the movie header");
});

Deno.test("mp4: not a movie -> no duration (whoever checks next decides)", async () => {
  assert.equal((await durationOf("bytes=5000")).seconds, undefined, "bytes without boxes");
  assert.equal((await durationOf("bytes=5000&seconds=10", "p.jpg")).seconds, undefined, "an image");
  assert.equal(
    (await durationOf("bytes=300&seconds=10&ranges=none")).seconds,
    10,
    "whole, no ranges",
  );
});
