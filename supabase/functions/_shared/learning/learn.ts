// Observations in, a timing pattern out: the functions the job, the tests and the benchmark share.
import {
  DEFAULT_MODEL_OPTIONS,
  fitPopulation,
  fitSlotModel,
  type ModelOptions,
  type SlotModel,
  type SlotPrior,
} from "./model.ts";
import { chooseSlots, confidenceOf, type PolicyOptions, toTemplate } from "./policy.ts";
import type { Random } from "./random.ts";
import { type Observation, slotIndex, type TemplateSlot } from "./slots.ts";

export interface LearnOptions {
  model?: Partial<ModelOptions>;
  policy: Partial<PolicyOptions> & { count: number };
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
 * each platform's own list). Undefined when fewer than MIN_POPULATION of them have feedback.
 */
export function populationPrior(
  groups: Observation[][],
  defaults: { day_of_week: number; hour: number }[],
  model: Partial<ModelOptions> = {},
): SlotPrior | undefined {
  const withFeedback = groups.filter((g) => g.length > 0);
  if (withFeedback.length < MIN_POPULATION) return undefined;
  return fitPopulation(withFeedback, slotSet(defaults), { ...DEFAULT_MODEL_OPTIONS, ...model });
}

export function learnPostingTimes(
  observations: Observation[],
  defaults: { day_of_week: number; hour: number }[],
  options: LearnOptions,
  random: Random,
  prior?: SlotPrior,
): LearnedPattern {
  const modelOptions = { ...DEFAULT_MODEL_OPTIONS, ...options.model };
  const model = fitSlotModel(observations, slotSet(defaults), modelOptions, prior);
  const chosen = chooseSlots(model, options.policy, random);
  return {
    template: toTemplate(chosen),
    confidence: confidenceOf(model, chosen, model.priorVariance),
    sampleSize: observations.length,
    model,
  };
}
