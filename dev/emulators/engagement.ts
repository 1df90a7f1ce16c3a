/**
 * The shared engagement model behind every emulator's metrics. A post's metrics grow with its age
 * (1 - e^(-age/growthHours)) and depend on the weekday and hour it went out in the audience's time
 * zone (peak slots per platform), times a seeded per-post noise factor. Deterministic for a given
 * model, post id and clock, and never decreasing with age, so an optimizer has something real to
 * learn. Parameters: engagement-model.json, or env EMULATOR_ENGAGEMENT_MODEL (a path or inline JSON).
 */
import { z } from "zod";
import { zonedParts } from "../../supabase/functions/_shared/adapters/zoned-time.ts";

const PeakSlotSchema = z.object({
  /** 0 = Sunday ... 6 = Saturday, in the audience's time zone. */
  weekdays: z.array(z.number().int().min(0).max(6)),
  hour: z.number().min(0).max(24),
  boost: z.number().nonnegative(),
  widthHours: z.number().positive().default(1.5),
});

const PlatformModelSchema = z.object({
  baseImpressions: z.number().nonnegative(),
  offPeakFactor: z.number().nonnegative(),
  weekdayFactors: z.array(z.number().nonnegative()).length(7),
  peakSlots: z.array(PeakSlotSchema),
  /** Metric name -> expected count per impression. */
  rates: z.record(z.string(), z.number().nonnegative()),
});

export const EngagementModelSchema = z.object({
  seed: z.number().int(),
  audienceTimezone: z.string(),
  /** Relative noise amplitude: each post's metric is scaled by 1 +- noise. */
  noise: z.number().min(0).max(1),
  growthHours: z.number().positive(),
  platforms: z.record(z.string(), PlatformModelSchema),
});
export type EngagementModelParams = z.infer<typeof EngagementModelSchema>;

/** FNV-1a hash to a uniform number in [0, 1). */
function uniform(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return (h >>> 0) / 2 ** 32;
}

export class EngagementModel {
  constructor(readonly params: EngagementModelParams) {}

  private platform(name: string) {
    const model = this.params.platforms[name];
    if (!model) throw new Error(`engagement model has no platform "${name}"`);
    return model;
  }

  /** How good a publish time is for a platform (weekday factor x peak-slot boost). */
  slotFactor(platform: string, publishedAt: Date): number {
    const local = zonedParts(publishedAt, this.params.audienceTimezone);
    return this.localFactor(platform, local.weekday, local.hour + local.minute / 60);
  }

  /** `slotFactor` at a local weekday (0 = Sunday) and hour (fractional) of the audience's zone. */
  localFactor(platform: string, weekday: number, hour: number): number {
    const model = this.platform(platform);
    let boost = 0;
    for (const slot of model.peakSlots) {
      if (!slot.weekdays.includes(weekday)) continue;
      const distance = Math.abs(hour - slot.hour);
      boost = Math.max(boost, slot.boost * Math.exp(-(distance ** 2) / (2 * slot.widthHours ** 2)));
    }
    return model.weekdayFactors[weekday] * (model.offPeakFactor + boost);
  }

  /** Share of the final total reached at `ageHours`. */
  growth(ageHours: number): number {
    return ageHours <= 0 ? 0 : 1 - Math.exp(-ageHours / this.params.growthHours);
  }

  private noise(platform: string, postId: string, metric: string): number {
    const u = uniform(`${this.params.seed}|${platform}|${postId}|${metric}`);
    return 1 + this.params.noise * (2 * u - 1);
  }

  /** `impressions` plus every metric in the platform's rates, as whole numbers. */
  metrics(platform: string, postId: string, publishedAt: Date, now: Date): Record<string, number> {
    const model = this.platform(platform);
    const age = (now.getTime() - publishedAt.getTime()) / 3_600_000;
    const impressions = model.baseImpressions * this.slotFactor(platform, publishedAt) *
      this.growth(age) * this.noise(platform, postId, "impressions");
    const out: Record<string, number> = { impressions: Math.floor(impressions) };
    for (const [metric, rate] of Object.entries(model.rates)) {
      out[metric] = Math.floor(impressions * rate * this.noise(platform, postId, metric));
    }
    return out;
  }
}

/** From env EMULATOR_ENGAGEMENT_MODEL (a path or inline JSON), else engagement-model.json. */
export function loadEngagementModel(
  source: string | undefined = Deno.env.get("EMULATOR_ENGAGEMENT_MODEL"),
): EngagementModel {
  const text = source === undefined || source.trim() === ""
    ? Deno.readTextFileSync(new URL("./engagement-model.json", import.meta.url))
    : source.trim().startsWith("{")
    ? source
    : Deno.readTextFileSync(source);
  return new EngagementModel(EngagementModelSchema.parse(JSON.parse(text)));
}
