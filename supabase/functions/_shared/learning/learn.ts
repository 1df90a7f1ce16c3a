// Observations in, a timing pattern out: the functions the job, the tests and the benchmark share.
import {
  DEFAULT_MODEL_OPTIONS,
  fitPopulation,
  fitSlotModel,
  type ModelOptions,
  type SlotModel,
  type SlotPrior,
} from "./model.ts";
import {
  chooseSlots,
  confidenceOf,
  DEFAULT_POLICY_OPTIONS,
  type PolicyOptions,
  toTemplate,
} from "./policy.ts";
import type { Random } from "./random.ts";
import { HOURS, type Observation, SLOT_COUNT, slotIndex, type TemplateSlot } from "./slots.ts";

export interface LearnOptions {
  model?: Partial<ModelOptions>;
  policy: Partial<PolicyOptions> & { count: number };
  /** The platform belongs to a population (MIN_POPULATION or more platforms of its kind and zone):
   * while it has no feedback and the population no prior yet, its slots are all one draw from the
   * prior (coldStart; policy coldExplore), so the population's first posts spread across the week. */
  population?: boolean;
}

export interface LearnedPattern {
  template: TemplateSlot[];
  confidence: number;
  sampleSize: number;
  model: SlotModel;
}

/** Platforms with feedback a population needs before it is used as a prior: below this, one
 * platform's own posts would weigh too much in the prior it is then shrunk toward. */
export const MIN_POPULATION = 3;

const slotSet = (slots: { day_of_week: number; hour: number }[]) =>
  new Set(slots.map((d) => slotIndex(d.day_of_week, d.hour)));

/**
 * The prior of a population: platforms of one kind whose audiences share a zone (their feedback,
 * each platform's own list). Undefined when fewer than `minimum` of them have feedback.
 */
export function populationPrior(
  groups: Observation[][],
  defaults: { day_of_week: number; hour: number }[],
  model: Partial<ModelOptions> = {},
  minimum = MIN_POPULATION,
): SlotPrior | undefined {
  const withFeedback = groups.filter((g) => g.length > 0);
  if (withFeedback.length < minimum) return undefined;
  return fitPopulation(withFeedback, slotSet(defaults), { ...DEFAULT_MODEL_OPTIONS, ...model });
}

/**
 * Each member's population prior (groups: the members' feedback, in order), and how many members'
 * feedback formed it. In a population of at most leaveOneOutMax members with feedback, a member's
 * own feedback is left out of its prior: its posts would otherwise count twice, in the prior it is
 * shrunk toward and as its own data, and in a small population they are a large share of that
 * prior. In a larger one they are a small share, and one prior serves every member (one fit per
 * population, not one per member: the job's cost stays linear in the platforms).
 */
export function populationPriors(
  groups: Observation[][],
  defaults: { day_of_week: number; hour: number }[],
  model: Partial<ModelOptions> = {},
): { prior: SlotPrior | undefined; size: number }[] {
  const o = { ...DEFAULT_MODEL_OPTIONS, ...model };
  const withFeedback = groups.filter((g) => g.length > 0).length;
  if (withFeedback > o.leaveOneOutMax) {
    const prior = populationPrior(groups, defaults, o);
    return groups.map(() => ({ prior, size: prior ? withFeedback : 0 }));
  }
  // A member without feedback of its own has nothing to leave out: they share one prior.
  let shared: { prior: SlotPrior | undefined; size: number } | undefined;
  return groups.map((own, i) => {
    if (own.length === 0) {
      const prior = populationPrior(groups, defaults, o);
      return shared ??= { prior, size: prior ? withFeedback : 0 };
    }
    // The member counts toward the population's size although its feedback is left out: a
    // population of MIN_POPULATION gives each member the prior of the others.
    const others = groups.filter((_, j) => j !== i);
    const prior = populationPrior(others, defaults, o, MIN_POPULATION - 1);
    return { prior, size: prior ? withFeedback - 1 : 0 };
  });
}

/**
 * The log-scale hour shape of a reported online profile (followers online in each local hour
 * 0..23): ln(hour / mean of the hours), centred, each hour floored at 1% of the busiest so an hour
 * reported empty is not minus infinity. Undefined when the profile is not 24 hours or all zero.
 */
export function onlineShape(hours: number[] | undefined): number[] | undefined {
  if (!hours || hours.length !== HOURS || !hours.every((h) => Number.isFinite(h) && h >= 0)) {
    return undefined;
  }
  const top = Math.max(...hours);
  if (top <= 0) return undefined;
  const logs = hours.map((h) => Math.log(Math.max(h, top / 100)));
  const mean = logs.reduce((a, b) => a + b, 0) / HOURS;
  return logs.map((l) => l - mean);
}

/**
 * The prior with the platform's online profile: each slot's prior mean moved by onlineWeight times
 * its hour's online shape (the same on every day: the profile has no days). Without a population
 * the profile replaces the kind's default head start and leaves the variances whole (share 1), so
 * the platform's own posts override it as they accumulate, as they override any prior mean.
 */
export function withOnlineActivity(
  prior: SlotPrior | undefined,
  hours: number[] | undefined,
  model: Partial<ModelOptions> = {},
): SlotPrior | undefined {
  const shape = onlineShape(hours);
  if (!shape) return prior;
  const o = { ...DEFAULT_MODEL_OPTIONS, ...model };
  // A population's posterior already holds its audiences' hour shape, and the platform may deviate
  // from it by populationShare of the variances: the profile moves it in that proportion.
  const weight = o.onlineWeight * (prior ? prior.share ?? o.populationShare : 1);
  return {
    mean: Array.from(
      { length: SLOT_COUNT },
      (_, s) => (prior?.mean[s] ?? 0) + weight * shape[s % HOURS],
    ),
    variance: prior?.variance ?? new Array<number>(SLOT_COUNT).fill(0),
    share: prior ? prior.share : 1,
  };
}

/**
 * Whether a platform of a population starts cold: no feedback of its own and no population prior
 * yet. Every member would then post at the kind's default times, and the population would learn
 * about those few slots only. Instead all its slots are one posterior draw (Thompson sampling over
 * the prior: the defaults' head start, the smooth surface, the online profile where reported), so
 * each member tries its own plausible slots and the population's prior, once it forms from their
 * first posts 48 hours later, has seen much of the week.
 */
export function coldStart(
  observations: Observation[],
  prior: SlotPrior | undefined,
  population: boolean | undefined,
): boolean {
  return population === true && observations.length === 0 && prior === undefined;
}

export function learnPostingTimes(
  observations: Observation[],
  defaults: { day_of_week: number; hour: number }[],
  options: LearnOptions,
  random: Random,
  prior?: SlotPrior,
  /** Followers online per local hour 0..23, where the platform reports it (withOnlineActivity). */
  online?: number[],
): LearnedPattern {
  const modelOptions = { ...DEFAULT_MODEL_OPTIONS, ...options.model };
  const model = fitSlotModel(
    observations,
    slotSet(defaults),
    modelOptions,
    withOnlineActivity(prior, online, modelOptions),
  );
  const policy = coldStart(observations, prior, options.population)
    ? {
      ...options.policy,
      explore: options.policy.coldExplore ?? DEFAULT_POLICY_OPTIONS.coldExplore,
    }
    : options.policy;
  const chosen = chooseSlots(model, policy, random);
  return {
    template: toTemplate(chosen),
    confidence: confidenceOf(model, chosen, model.priorVariance),
    sampleSize: observations.length,
    model,
  };
}
