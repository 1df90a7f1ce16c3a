// The learn-posting-times job: for each active platform, fit the slot model to its feedback and
// write the chosen slots as its timing pattern (what scheduling.posting_times reads).
import type { Sql } from "../db.ts";
import { learnPostingTimes } from "./learn.ts";
import type { ModelOptions } from "./model.ts";
import type { Random } from "./random.ts";
import { learningPlatforms, loadObservations, type PatternUpdate, writePatterns } from "./store.ts";

export interface RefreshOptions {
  minAgeHours: number;
  lookbackDays: number;
  /** Below this many observations a platform keeps its current pattern. */
  minObservations: number;
  model?: Partial<ModelOptions>;
  random: Random;
}

export interface RefreshReport {
  platforms: number;
  updated: number;
  skipped: { platform_id: string; observations: number }[];
  patterns: (PatternUpdate & { prior_weight: number })[];
}

/** The entries whose value is defined (so that spreading them keeps the defaults of the others). */
function definedOnly<T extends Record<string, unknown>>(values: T): Partial<T> {
  const entries = Object.entries(values).filter(([, v]) => v !== undefined);
  return Object.fromEntries(entries) as Partial<T>;
}

export async function refreshPostingTimes(sql: Sql, o: RefreshOptions): Promise<RefreshReport> {
  const platforms = (await learningPlatforms(sql)).filter((p) => p.learning.enabled !== false);
  const observations = await loadObservations(sql, platforms.map((p) => p.platform_id), o);
  const report: RefreshReport = {
    platforms: platforms.length,
    updated: 0,
    skipped: [],
    patterns: [],
  };
  for (const platform of platforms) {
    const seen = observations.get(platform.platform_id) ?? [];
    if (seen.length < o.minObservations) {
      report.skipped.push({ platform_id: platform.platform_id, observations: seen.length });
      continue;
    }
    const learned = learnPostingTimes(seen, platform.defaults, {
      model: o.model,
      policy: {
        count: platform.learning.slots ?? Math.max(3, platform.defaults.length),
        // only the settings the platform sets: an undefined one would hide the policy's default
        ...definedOnly({
          explore: platform.learning.explore,
          firstHour: platform.learning.first_hour,
          lastHour: platform.learning.last_hour,
        }),
      },
    }, o.random);
    report.patterns.push({
      platform_id: platform.platform_id,
      template: learned.template,
      confidence: learned.confidence,
      sample_size: learned.sampleSize,
      prior_weight: Math.round(learned.model.priorWeight * 100) / 100,
    });
  }
  report.updated = await writePatterns(sql, report.patterns);
  return report;
}
