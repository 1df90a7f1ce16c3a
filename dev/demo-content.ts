// A valid post for each platform kind, unique by `marker`, with media served by an emulator. Used by
// `npm run demo`, the tests and the benchmarks.
import type { PlatformKind as Kind } from "../supabase/functions/_shared/adapters/types.ts";

export interface PostContent {
  title?: string;
  body: string;
  media_urls?: string[];
  platform_specific?: Record<string, unknown>;
}

const LONG = "Budgeting works when it is boring: the same ten minutes every week, the same " +
  "categories, and savings moved on payday before anything else can claim them.";

export function contentFor(kind: Kind, marker: string, mediaOrigin: string): PostContent {
  const media = (name: string) => `${mediaOrigin}/__emulator/media/${name}`;
  switch (kind) {
    case "wordpress":
      return { title: `Habits ${marker}`, body: `<p>${LONG}</p><p>${marker}</p>` };
    case "x":
      return { body: `Ten minutes a week is enough for a budget. ${marker}` };
    case "linkedin":
      return { body: `${LONG} ${marker}` };
    case "youtube":
      return {
        title: `Budget in ten minutes ${marker}`.slice(0, 100),
        body: `${LONG} ${marker}`,
        media_urls: [media("episode.mp4?bytes=4096")],
      };
    case "email":
      return {
        title: `This week: ${marker}`,
        body: `<p>${LONG}</p><p>${marker}</p><p><a href="*|UNSUB|*">Unsubscribe</a></p>`,
      };
    case "instagram":
      return { body: `${LONG} ${marker}`, media_urls: [media("photo.jpg")] };
    case "tiktok":
      return {
        body: `Budget in ten minutes ${marker}`,
        media_urls: ["https://cdn.demo.example/videos/budget.mp4"],
        platform_specific: { privacy_level: "PUBLIC_TO_EVERYONE" },
      };
    case "podcast":
      return {
        title: `Episode ${marker}`,
        body: `${LONG} ${marker}`,
        platform_specific: {
          enclosure_url: "https://cdn.demo.example/podcast/episode.mp3",
          enclosure_length: 12_345_678,
          enclosure_type: "audio/mpeg",
          duration: "10:42",
        },
      };
  }
}
