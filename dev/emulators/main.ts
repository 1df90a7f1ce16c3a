/**
 * Starts every available platform emulator on consecutive ports from EMULATOR_BASE_PORT
 * (default 54330) and logs each request to stdout (unless EMULATOR_QUIET=1). Add a platform by
 * adding one entry to EMULATORS with its fixed offset. With EMULATOR_STATE_DIR set (dev/stack.sh:
 * .stack/<stack>/emulators/), each keeps its posts, uploads, tokens and counters in <name>.json
 * there across restarts (dev/emulators/persist.ts). The offsets:
 *   wordpress 0, x 1, linkedin 2, youtube 3, email 4, instagram 5, tiktok 6, podcast host 7.
 */
import { type EmulatorDefinition, type RunningEmulator, serveEmulator } from "./framework.ts";
import { loadEngagementModel } from "./engagement.ts";
import { EMULATOR_OFFSETS } from "./ports.ts";
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

/** EMULATOR_UNLIMITED=1 (benchmarks): the platforms' quotas and rate limits lifted, all else as real. */
const unlimited = Deno.env.get("EMULATOR_UNLIMITED") === "1";
const lift = <T>(options: T): T | Record<string, never> => (unlimited ? options : {});
const NO_LIMIT = 1_000_000_000;

export const EMULATORS: EmulatorEntry[] = [
  { offset: EMULATOR_OFFSETS.wordpress, create: () => wordpressEmulator() },
  {
    offset: EMULATOR_OFFSETS.x,
    create: () => xEmulator(lift({ postsPerWindow: NO_LIMIT, deletesPerWindow: NO_LIMIT })),
  },
  {
    offset: EMULATOR_OFFSETS.linkedin,
    create: () => linkedinEmulator(lift({ postsPerMemberPerDay: NO_LIMIT })),
  },
  {
    offset: EMULATOR_OFFSETS.youtube,
    create: () => youtubeEmulator(lift({ dailyQuota: NO_LIMIT })),
  },
  {
    offset: EMULATOR_OFFSETS.email,
    create: () => mailchimpEmulator(lift({ maxConnections: NO_LIMIT })),
  },
  {
    offset: EMULATOR_OFFSETS.instagram,
    create: () => instagramEmulator(lift({ postsPer24h: NO_LIMIT })),
  },
  {
    offset: EMULATOR_OFFSETS.tiktok,
    create: () => tiktokEmulator(lift({ initsPerMinute: NO_LIMIT, postsPerDay: NO_LIMIT })),
  },
  {
    offset: EMULATOR_OFFSETS.podcast,
    create: () => transistorEmulator(lift({ requestsPerWindow: NO_LIMIT })),
  },
];

const quiet = Deno.env.get("EMULATOR_QUIET") === "1";
const stateDir = Deno.env.get("EMULATOR_STATE_DIR");
const timestamped = (line: string) => console.log(`${new Date().toISOString()} ${line}`);

export function startAll(
  basePort = Number(Deno.env.get("EMULATOR_BASE_PORT") ?? 54330),
  hostname = Deno.env.get("EMULATOR_HOST") ?? "127.0.0.1",
  // EMULATOR_QUIET=1 (benchmarks): no line per request, only the start-up lines.
  requestLog: ((line: string) => void) | undefined = quiet ? undefined : timestamped,
): RunningEmulator<unknown>[] {
  const engagement = loadEngagementModel();
  const startLog = quiet ? console.log : timestamped;
  return EMULATORS.map((entry) => {
    const def = entry.create();
    const emu = serveEmulator(def, {
      port: basePort + entry.offset,
      hostname,
      engagement,
      log: requestLog,
      stateFile: stateDir ? `${stateDir}/${def.name}.json` : undefined,
    });
    startLog(`[emulators] ${emu.name} listening on ${emu.origin}`);
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
