// Where each platform's emulator listens: EMULATOR_BASE_PORT + its offset (the seed's base URLs follow it).
import type { PlatformKind } from "../../supabase/functions/_shared/adapters/types.ts";

export const EMULATOR_OFFSETS: Record<PlatformKind, number> = {
  wordpress: 0,
  x: 1,
  linkedin: 2,
  youtube: 3,
  email: 4, // Mailchimp
  instagram: 5,
  tiktok: 6,
  podcast: 7, // a Transistor-shaped hosting API
};

export function emulatorOrigin(kind: PlatformKind, basePort: number, host = "127.0.0.1"): string {
  return `http://${host}:${basePort + EMULATOR_OFFSETS[kind]}`;
}
