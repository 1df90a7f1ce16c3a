// The learn-posting-times job: for each active platform, fit the slot model to its feedback and
// write the chosen slots as its timing pattern (what scheduling.posting_times reads). Platforms of
// one kind whose audiences share a time zone are a population: the feedback of all of them (learning
// enabled or not) is the prior each one is shrunk toward (learn.ts populationPriors), so a platform
// with little or no feedback of its own starts from its peers' best times; while none of them has
// feedback, each gets its own draw of the prior, so their first posts spread over the week. Where the
// platform reports when its audience is online (platform_audience_activity), that hour profile moves
// the prior too.
import type { Sql } from "../db.ts";
import {
  coldStart,
  learnPostingTimes,
  MIN_POPULATION,
  onlineShape,
  populationPriors,
} from "./learn.ts";
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
  const members = new Map<string, typeof all>();
  for (const p of all) members.set(populationKey(p), [...members.get(populationKey(p)) ?? [], p]);
  // Each platform's prior: its population's feedback (without its own in a small population).
  const priors = new Map<
    string,
    { prior: SlotPrior | undefined; size: number; population: boolean }
  >();
  for (const group of members.values()) {
    const feedback = group.map((p) => observations.get(p.platform_id) ?? []);
    const each = populationPriors(feedback, group[0].defaults, o.model);
    group.forEach((p, i) =>
      priors.set(p.platform_id, { ...each[i], population: group.length >= MIN_POPULATION })
    );
  }
  for (const platform of platforms) {
    const seen = observations.get(platform.platform_id) ?? [];
    const { prior, size, population } = priors.get(platform.platform_id)!;
    const reported = online.get(platform.platform_id);
    const profile = onlineShape(reported) ? reported : undefined;
    // A member of a population with no feedback yet starts cold (learn.ts coldStart): it gets a draw
    // of the prior rather than the kind's defaults that every other member would post at too.
    if (
      seen.length < o.minObservations && prior === undefined && profile === undefined &&
      !coldStart(seen, prior, population)
    ) {
      report.skipped.push({ platform_id: platform.platform_id, observations: seen.length });
      continue;
    }
    const learned = learnPostingTimes(
      seen,
      platform.defaults,
      {
        model: o.model,
        population,
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
