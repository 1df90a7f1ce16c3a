/**
 * Starts every available platform emulator on consecutive ports from EMULATOR_BASE_PORT
 * (default 54330) and logs each request to stdout. Add a platform by adding one entry to
 * EMULATORS with its fixed offset:
 *   wordpress 0, x 1, linkedin 2, youtube 3, email 4, instagram 5, tiktok 6, podcast host 7.
 */
import { type EmulatorDefinition, type RunningEmulator, serveEmulator } from "./framework.ts";
import { loadEngagementModel } from "./engagement.ts";
import { instagramEmulator } from "./instagram.ts";
import { linkedinEmulator } from "./linkedin.ts";
import { mailchimpEmulator } from "./mailchimp.ts";
import { tiktokEmulator } from "./tiktok.ts";
import { transistorEmulator } from "./transistor.ts";
import { wordpressEmulator } from "./wordpress.ts";
import { xEmulator } from "./x.ts";
import { youtubeEmulator } from "./youtube.ts";

interface EmulatorEntry {
  offset: number;
  create(): EmulatorDefinition<unknown>;
}

export const EMULATORS: EmulatorEntry[] = [
  { offset: 0, create: () => wordpressEmulator() },
  { offset: 1, create: () => xEmulator() },
  { offset: 2, create: () => linkedinEmulator() },
  { offset: 3, create: () => youtubeEmulator() },
  { offset: 4, create: () => mailchimpEmulator() },
  { offset: 5, create: () => instagramEmulator() },
  { offset: 6, create: () => tiktokEmulator() },
  { offset: 7, create: () => transistorEmulator() },
];

export function startAll(
  basePort = Number(Deno.env.get("EMULATOR_BASE_PORT") ?? 54330),
  hostname = Deno.env.get("EMULATOR_HOST") ?? "127.0.0.1",
  log: (line: string) => void = (line) => console.log(`${new Date().toISOString()} ${line}`),
): RunningEmulator<unknown>[] {
  const engagement = loadEngagementModel();
  return EMULATORS.map((entry) => {
    const emu = serveEmulator(entry.create(), {
      port: basePort + entry.offset,
      hostname,
      engagement,
      log,
    });
    log(`[emulators] ${emu.name} listening on ${emu.origin}`);
    return emu;
  });
}

if (import.meta.main) {
  const running = startAll();
  const stop = async () => {
    await Promise.all(running.map((emu) => emu.close()));
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
}
