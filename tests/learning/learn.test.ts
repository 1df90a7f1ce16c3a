// Learning the best posting times, in-process and seeded: simulated weeks against an engagement
// model with a known peak, and shrinkage against lucky slots.
import assert from "node:assert/strict";
import { EngagementModel } from "../../dev/emulators/engagement.ts";
import {
  learnPostingTimes,
  populationPriors,
} from "../../supabase/functions/_shared/learning/learn.ts";
import { fitSlotModel } from "../../supabase/functions/_shared/learning/model.ts";
import { seededRandom } from "../../supabase/functions/_shared/learning/random.ts";
import { type Observation, slotIndex } from "../../supabase/functions/_shared/learning/slots.ts";
import { SEED_DEFAULTS, simulate } from "../../bench/optimizer/simulate.ts";

/** One platform whose only peak is weekdays 15:00 in the audience's zone, strongest on Thursday. */
const peakModel = new EngagementModel({
  seed: 7,
  audienceTimezone: "Europe/Berlin",
  noise: 0.15,
  growthHours: 18,
  platforms: {
    test: {
      baseImpressions: 2000,
      offPeakFactor: 0.3,
      weekdayFactors: [1, 1, 1, 1, 1.3, 1, 1],
      peakSlots: [{ weekdays: [1, 2, 3, 4, 5], hour: 15, boost: 2.5, widthHours: 1 }],
      rates: { likes: 0.03, comments: 0.005 },
    },
  },
});

Deno.test("after simulated weeks the learned top slots contain the known peak", () => {
  let exact = 0;
  for (const seed of [1, 2, 3, 4, 5]) {
    const result = simulate(peakModel, {
      platform: "test",
      weeks: 20,
      start: new Date("2027-01-04T00:00:00+01:00"),
      random: seededRandom(seed),
    });
    const top = result.learnedSlotsLastWeek.slice(0, 3);
    assert.ok(
      top.every((s) => Math.abs(s.hour - 15) <= 1 && s.day_of_week >= 1 && s.day_of_week <= 5),
      `seed ${seed}: top slots ${JSON.stringify(top)} are at the weekday 15:00 peak`,
    );
    if (result.learnedSlotsLastWeek.some((s) => s.day_of_week === 4 && s.hour === 15)) exact++;
    assert.ok(
      result.learned > 1.5 * result.fixed,
      `seed ${seed}: learned beats the fixed defaults`,
    );
  }
  assert.ok(exact >= 4, `the exact peak (Thu 15:00) is listed for ${exact} of 5 seeds`);
});

Deno.test("the same seed gives the same schedule (randomness is injected)", () => {
  const run = (seed: number) =>
    simulate(peakModel, {
      platform: "test",
      weeks: 6,
      start: new Date("2027-01-04T00:00:00+01:00"),
      random: seededRandom(seed),
    }).learnedSlotsLastWeek;
  assert.deepEqual(run(42), run(42));
});

Deno.test("two lucky posts do not beat a slot with many good posts (shrinkage)", () => {
  const observations: Observation[] = [];
  const add = (day: number, hour: number, engagements: number, times: number) => {
    for (let i = 0; i < times; i++) observations.push({ day_of_week: day, hour, engagements });
  };
  // Background: 120 ordinary posts over the week, +-60% noise (seeded).
  const random = seededRandom(5);
  const noisy = (level: number) => level * (0.4 + 1.2 * random());
  for (let i = 0; i < 120; i++) add(i % 7, 7 + (i % 15), noisy(100), 1);
  add(6, 20, 260, 2); // Saturday 20:00: two lucky posts, 2.6x the usual
  for (let i = 0; i < 25; i++) add(3, 12, noisy(220), 1); // Wednesday 12:00: 25 posts, 2.2x
  const model = fitSlotModel(observations, new Set());
  const slot = (d: number, h: number) =>
    model.slots.find((s) => s.day_of_week === d && s.hour === h)!;
  assert.ok(slot(3, 12).mean > slot(6, 20).mean, "the well-measured slot ranks first");
  const raw = (v: number) => Math.log1p(v) - model.platformMean;
  assert.ok(slot(6, 20).mean < raw(260), "the lucky slot is shrunk toward the platform mean");
  assert.ok(slot(6, 20).variance > slot(3, 12).variance, "and stays uncertain");

  const learned = learnPostingTimes(
    observations,
    [],
    { policy: { count: 3, explore: 0 } },
    seededRandom(1),
  );
  assert.deepEqual(
    { day_of_week: learned.template[0].day_of_week, hour: learned.template[0].hour },
    { day_of_week: 3, hour: 12 },
  );
});

Deno.test("with no feedback the pattern is the platform's defaults; untried slots still get explored", () => {
  const none = learnPostingTimes(
    [],
    SEED_DEFAULTS,
    { policy: { count: 5, explore: 0 } },
    seededRandom(1),
  );
  const key = (s: { day_of_week: number; hour: number }) => `${s.day_of_week}:${s.hour}`;
  assert.deepEqual(new Set(none.template.map(key)), new Set(SEED_DEFAULTS.map(key)));
  assert.equal(none.confidence, 0);

  // Exploration: over many refreshes with pure Thompson sampling, slots outside the defaults appear.
  const random = seededRandom(9);
  const seen = new Set<string>();
  for (let i = 0; i < 50; i++) {
    for (
      const s of learnPostingTimes([], SEED_DEFAULTS, { policy: { count: 5, explore: 1 } }, random)
        .template
    ) {
      seen.add(key(s));
    }
  }
  assert.ok(seen.size > SEED_DEFAULTS.length + 10, `${seen.size} distinct slots explored`);
});

Deno.test("a population member with no feedback and no prior yet draws its slots; then it exploits", () => {
  const key = (s: { day_of_week: number; hour: number }) => `${s.day_of_week}:${s.hour}`;
  const defaults = new Set(SEED_DEFAULTS.map(key));
  const policy = { count: 5, explore: 0 };
  // Twenty members starting cold: each its own draw of the prior, so together they cover the week.
  const cold = Array.from(
    { length: 20 },
    (_, i) =>
      learnPostingTimes([], SEED_DEFAULTS, { policy, population: true }, seededRandom(i + 1))
        .template,
  );
  const covered = new Set(cold.flat().map(key));
  assert.ok(covered.size > 40, `${covered.size} distinct slots among the first patterns`);
  assert.ok(cold.every((t) => t.length === 5));
  assert.ok(cold.filter((t) => t.every((s) => defaults.has(key(s)))).length === 0);
  // coldExplore 0: the defaults again, as for a platform alone.
  const plain = learnPostingTimes(
    [],
    SEED_DEFAULTS,
    { policy: { ...policy, coldExplore: 0 }, population: true },
    seededRandom(1),
  );
  assert.deepEqual(new Set(plain.template.map(key)), defaults);
  // With feedback of its own the member is no longer cold: explore 0 takes the best by mean.
  const seen = [{ day_of_week: 3, hour: 14, engagements: 400 }, {
    day_of_week: 1,
    hour: 9,
    engagements: 20,
  }];
  const a = learnPostingTimes(seen, SEED_DEFAULTS, { policy, population: true }, seededRandom(1));
  const b = learnPostingTimes(seen, SEED_DEFAULTS, { policy, population: true }, seededRandom(2));
  assert.deepEqual(a.template, b.template, "no draw decides the slots");
});

Deno.test("in a small population a member's own feedback is left out of its prior", () => {
  const WED_19 = slotIndex(3, 19);
  // Four members post the same ten slots; only member 0 finds Wednesday 19:00 five times better.
  const slots = [[3, 19], [1, 9], [2, 10], [4, 10], [5, 9], [1, 14], [2, 16], [4, 12], [5, 17], [
    6,
    11,
  ]];
  const groups: Observation[][] = [0, 1, 2, 3].map((member) =>
    slots.flatMap(([day_of_week, hour], i) =>
      [0, 1].map((week) => ({
        day_of_week,
        hour,
        engagements: (member === 0 && i === 0 ? 500 : 100) + 3 * week + i,
      }))
    )
  );
  const priors = populationPriors(groups, SEED_DEFAULTS);
  assert.deepEqual(priors.map((p) => p.size), [3, 3, 3, 3]);
  const own = priors[0].prior!.mean[WED_19];
  const peer = priors[1].prior!.mean[WED_19];
  assert.ok(own < 0.1, `member 0's prior does not hold its own peak: ${own}`);
  assert.ok(peer > own + 0.2, `a peer's prior holds member 0's peak: ${peer} vs ${own}`);
  // Above leaveOneOutMax members with feedback, one prior (of all of them) serves every member.
  const one = populationPriors(groups, SEED_DEFAULTS, { leaveOneOutMax: 3 });
  assert.deepEqual(one.map((p) => p.size), [4, 4, 4, 4]);
  assert.ok(one.every((p) => p.prior === one[0].prior));
  // A member without feedback gets the prior of all the others.
  const joined = populationPriors([...groups, []], SEED_DEFAULTS);
  assert.equal(joined[4].size, 4);
  assert.ok(joined[4].prior!.mean[WED_19] > own + 0.2);
  // A population of exactly MIN_POPULATION: each member gets the prior of the other two.
  const three = populationPriors(groups.slice(0, 3), SEED_DEFAULTS);
  assert.deepEqual(three.map((p) => p.size), [2, 2, 2]);
  assert.ok(three.every((p) => p.prior !== undefined));
  assert.ok(three[1].prior!.mean[WED_19] > three[0].prior!.mean[WED_19] + 0.2);
  // Below it, nobody has a population prior.
  assert.ok(populationPriors(groups.slice(0, 2), SEED_DEFAULTS).every((p) => !p.prior));
});

Deno.test("the template is what scheduling.posting_times reads: day_of_week 0-6, hour 0-23, score", () => {
  const learned = learnPostingTimes(
    [{ day_of_week: 2, hour: 10, engagements: 50 }],
    SEED_DEFAULTS,
    { policy: { count: 5 } },
    seededRandom(3),
  );
  assert.equal(learned.template.length, 5);
  for (const s of learned.template) {
    assert.ok(Number.isInteger(s.day_of_week) && s.day_of_week >= 0 && s.day_of_week <= 6);
    assert.ok(Number.isInteger(s.hour) && s.hour >= 0 && s.hour <= 23);
    assert.ok(s.score > 0);
  }
  const scores = learned.template.map((s) => s.score);
  assert.deepEqual(scores, [...scores].sort((a, b) => b - a), "best first");
});
