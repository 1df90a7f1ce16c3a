// Observations in, a timing pattern out: the one function the job, the tests and the benchmark share.
import { DEFAULT_MODEL_OPTIONS, fitSlotModel, type ModelOptions, type SlotModel } from "./model.ts";
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

export function learnPostingTimes(
  observations: Observation[],
  defaults: { day_of_week: number; hour: number }[],
  options: LearnOptions,
  random: Random,
): LearnedPattern {
  const defaultSlots = new Set(defaults.map((d) => slotIndex(d.day_of_week, d.hour)));
  const modelOptions = { ...DEFAULT_MODEL_OPTIONS, ...options.model };
  const model = fitSlotModel(observations, defaultSlots, modelOptions);
  const chosen = chooseSlots(model, options.policy, random);
  const priorVariance = modelOptions.dayVariance + modelOptions.hourVariance +
    modelOptions.slotVariance;
  return {
    template: toTemplate(chosen),
    confidence: confidenceOf(model, chosen, priorVariance),
    sampleSize: observations.length,
    model,
  };
}
