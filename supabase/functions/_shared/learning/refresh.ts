// The learn-posting-times job: for each active platform, fit the slot model to its feedback and
// write the chosen slots as its timing pattern (what scheduling.posting_times reads). Platforms of
// one kind whose audiences share a time zone are a population: the feedback of all of them (learning
// enabled or not) is the prior each one is shrunk toward (learn.ts populationPrior), so a platform
// with little or no feedback of its own starts from its peers' best times. Where the platform reports
// when its audience is online (platform_audience_activity), that hour profile moves the prior too.
import type { Sql } from "../db.ts";
import { learnPostingTimes, onlineShape, populationPrior } from "./learn.ts";
import type { ModelOptions, SlotPrior } from "./model.ts";
import type { Random } from "./random.ts";
import {
  learningPlatforms,
  loadObservations,
  loadOnlineActivity,
  type PatternUpdate,
  populationKey,
  writePatterns,
} from "./store.ts";

export interface RefreshOptions {
  minAgeHours: number;
  lookbackDays: number;
  /** Below this many observations a platform without a population keeps its current pattern. */
  minObservations: number;
  model?: Partial<ModelOptions>;
  random: Random;
  /** Only these platforms (their populations are then made of them alone); absent: all active. */
  platformIds?: string[];
}

export interface RefreshReport {
  platforms: number;
  updated: number;
  skipped: { platform_id: string; observations: number }[];
  patterns: (PatternUpdate & { prior_weight: number; population: number; online: boolean })[];
}

/** The entries whose value is defined (so that spreading them keeps the defaults of the others). */
function definedOnly<T extends Record<string, unknown>>(values: T): Partial<T> {
  const entries = Object.entries(values).filter(([, v]) => v !== undefined);
  return Object.fromEntries(entries) as Partial<T>;
}

export async function refreshPostingTimes(sql: Sql, o: RefreshOptions): Promise<RefreshReport> {
  const all = await learningPlatforms(sql, o.platformIds);
  const platforms = all.filter((p) => p.learning.enabled !== false);
  const observations = await loadObservations(sql, all.map((p) => p.platform_id), o);
  const online = await loadOnlineActivity(sql, platforms.map((p) => p.platform_id));
  const report: RefreshReport = {
    platforms: platforms.length,
    updated: 0,
    skipped: [],
    patterns: [],
  };
  // One prior per population (kind and zone), from every member's feedback.
  const members = new Map<string, typeof all>();
  for (const p of all) members.set(populationKey(p), [...members.get(populationKey(p)) ?? [], p]);
  const priors = new Map<string, { prior: SlotPrior | undefined; size: number }>();
  for (const [key, group] of members) {
    const feedback = group.map((p) => observations.get(p.platform_id) ?? []);
    priors.set(key, {
      prior: populationPrior(feedback, group[0].defaults, o.model),
      size: feedback.filter((f) => f.length > 0).length,
    });
  }
  for (const platform of platforms) {
    const seen = observations.get(platform.platform_id) ?? [];
    const { prior, size } = priors.get(populationKey(platform))!;
    const reported = online.get(platform.platform_id);
    const profile = onlineShape(reported) ? reported : undefined;
    if (seen.length < o.minObservations && prior === undefined && profile === undefined) {
      report.skipped.push({ platform_id: platform.platform_id, observations: seen.length });
      continue;
    }
    const learned = learnPostingTimes(
      seen,
      platform.defaults,
      {
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
      },
      o.random,
      prior,
      profile,
    );
    report.patterns.push({
      platform_id: platform.platform_id,
      template: learned.template,
      confidence: learned.confidence,
      sample_size: learned.sampleSize,
      prior_weight: Math.round(learned.model.priorWeight * 100) / 100,
      population: prior ? size : 0,
      online: profile !== undefined,
    });
  }
  report.updated = await writePatterns(sql, report.patterns);
  return report;
}
