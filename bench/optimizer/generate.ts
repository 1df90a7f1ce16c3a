// Seeded engagement models in the emulators' schema (dev/emulators/engagement.ts), so the learner is
// measured on audiences it was not developed against: zones with half-hour and 45-minute offsets and
// 30-minute daylight saving, one to three peaks per platform on any weekday and hour, widths of 1 to
// 4 hours, weekday factors and noise. A population is one audience pattern with a client's own
// deviations (its size, its peaks a little earlier or later, stronger or weaker).
import {
  type EngagementModelParams,
  EngagementModelSchema,
} from "../../dev/emulators/engagement.ts";
import {
  type Random,
  seededRandom,
  standardNormal,
} from "../../supabase/functions/_shared/learning/random.ts";

/** Audience zones drawn from: whole, half-hour and 45-minute offsets, northern and southern daylight
 * saving (Australia/Lord_Howe moves by 30 minutes, Pacific/Chatham sits at +12:45/+13:45). */
export const AUDIENCE_ZONES = [
  "America/New_York",
  "America/Los_Angeles",
  "America/Sao_Paulo",
  "America/St_Johns",
  "Europe/London",
  "Europe/Berlin",
  "Asia/Tehran",
  "Asia/Kolkata",
  "Asia/Kathmandu",
  "Asia/Yangon",
  "Asia/Tokyo",
  "Australia/Adelaide",
  "Australia/Eucla",
  "Australia/Lord_Howe",
  "Pacific/Chatham",
  "Pacific/Marquesas",
] as const;

/** Platform kinds and what an impression earns on each (the shipped model's per-kind metrics). */
export const PLATFORM_KINDS: Record<
  string,
  { baseImpressions: number; rates: Record<string, number> }
> = {
  wordpress: { baseImpressions: 400, rates: { comments: 0.004, shares: 0.006, clicks: 0.05 } },
  x: {
    baseImpressions: 1200,
    rates: {
      likes: 0.025,
      shares: 0.005,
      comments: 0.004,
      quotes: 0.001,
      saves: 0.003,
      clicks: 0.012,
    },
  },
  linkedin: {
    baseImpressions: 900,
    rates: { likes: 0.03, comments: 0.005, shares: 0.004, clicks: 0.015 },
  },
  youtube: { baseImpressions: 3000, rates: { video_views: 0.3, likes: 0.012, comments: 0.002 } },
  email: { baseImpressions: 5000, rates: { opens: 0.35, clicks: 0.04 } },
  instagram: {
    baseImpressions: 1500,
    rates: { likes: 0.04, comments: 0.004, shares: 0.006, saves: 0.008 },
  },
  tiktok: {
    baseImpressions: 4000,
    rates: { video_views: 0.8, likes: 0.06, comments: 0.004, shares: 0.008 },
  },
  podcast: { baseImpressions: 600, rates: { downloads: 0.7 } },
};

/** The ranges every generated model draws from (the tests check draws stay inside them). */
export const RANGES = {
  peaks: [1, 3],
  peakHour: [0, 24],
  widthHours: [1, 4],
  boost: [0.5, 2],
  offPeakFactor: [0.3, 0.8],
  weekdayFactor: [0.5, 1.4],
  noise: [0.1, 0.3],
  growthHours: [6, 24],
  /** A model's audience size against the kind's base impressions. */
  sizeFactor: [0.3, 3],
} as const;

const between = (random: Random, [lo, hi]: readonly [number, number]) => lo + (hi - lo) * random();
const clamp = (x: number, [lo, hi]: readonly [number, number]) => Math.min(hi, Math.max(lo, x));
const quarter = (x: number) => Math.round(x * 4) / 4;

/** Model `index` of the family drawn from `seed` (a non-negative integer): the same pair gives the
 * same model. */
export function generateModel(seed: number, index: number): EngagementModelParams {
  const random = seededRandom(Math.imul(seed, 0x9e3779b1) ^ (index + 1) * 0x85ebca6b);
  // Zones in turn, so any 16 consecutive models of a family cover every zone.
  const zone = AUDIENCE_ZONES[(index + seed) % AUDIENCE_ZONES.length];
  const platforms: EngagementModelParams["platforms"] = {};
  for (const [kind, base] of Object.entries(PLATFORM_KINDS)) {
    const peaks = 1 + Math.floor(random() * 3);
    const peakSlots = [];
    for (let p = 0; p < peaks; p++) {
      // Any weekdays: each day in with probability 0.3-0.9, at least one.
      const share = 0.3 + 0.6 * random();
      const weekdays = [0, 1, 2, 3, 4, 5, 6].filter(() => random() < share);
      if (weekdays.length === 0) weekdays.push(Math.floor(random() * 7));
      peakSlots.push({
        weekdays,
        hour: Math.min(23.75, quarter(between(random, RANGES.peakHour))),
        boost: quarter(between(random, RANGES.boost)),
        widthHours: quarter(between(random, RANGES.widthHours)),
      });
    }
    const size = Math.exp(
      between(random, [Math.log(RANGES.sizeFactor[0]), Math.log(RANGES.sizeFactor[1])]),
    );
    platforms[kind] = {
      baseImpressions: Math.round(base.baseImpressions * size),
      offPeakFactor: Number(between(random, RANGES.offPeakFactor).toFixed(2)),
      weekdayFactors: Array.from(
        { length: 7 },
        () => Number(between(random, RANGES.weekdayFactor).toFixed(2)),
      ),
      peakSlots,
      rates: { ...base.rates },
    };
  }
  return EngagementModelSchema.parse({
    seed: Math.floor(random() * 2 ** 31),
    audienceTimezone: zone,
    noise: Number(between(random, RANGES.noise).toFixed(2)),
    growthHours: Math.round(between(random, RANGES.growthHours)),
    platforms,
  });
}

/** Client `client` of the population sharing `pattern`: the same zone and peaks, each peak moved by
 * about half an hour and scaled by about 20%, the weekday factors by about 10%, its own size (0.3-3x)
 * and its own noise seed. Client 0 is not the pattern itself: every client deviates. */
export function populationClient(
  pattern: EngagementModelParams,
  seed: number,
  client: number,
): EngagementModelParams {
  const random = seededRandom(Math.imul(seed ^ 0x5bd1e995, client + 1) ^ pattern.seed);
  const jitter = (sd: number) => Math.exp(sd * standardNormal(random));
  const platforms: EngagementModelParams["platforms"] = {};
  for (const [kind, p] of Object.entries(pattern.platforms)) {
    platforms[kind] = {
      ...p,
      baseImpressions: Math.round(
        p.baseImpressions * Math.exp(between(random, [Math.log(0.3), Math.log(3)])),
      ),
      offPeakFactor: Number(clamp(p.offPeakFactor * jitter(0.1), RANGES.offPeakFactor).toFixed(3)),
      weekdayFactors: p.weekdayFactors.map((f) =>
        Number(clamp(f * jitter(0.1), RANGES.weekdayFactor).toFixed(3))
      ),
      peakSlots: p.peakSlots.map((s) => ({
        ...s,
        hour: quarter(clamp(s.hour + 0.5 * standardNormal(random), [0, 23.75])),
        boost: Number(clamp(s.boost * jitter(0.2), RANGES.boost).toFixed(3)),
        widthHours: quarter(clamp(s.widthHours * jitter(0.15), RANGES.widthHours)),
      })),
    };
  }
  return EngagementModelSchema.parse({
    ...pattern,
    seed: Math.floor(random() * 2 ** 31),
    platforms,
  });
}
