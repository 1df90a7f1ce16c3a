// The value a post is learned from: expected objective per post, its slot's shrunk rate x its reach.
import assert from "node:assert/strict";
import {
  objectiveObservations,
  type Outcome,
} from "../../supabase/functions/_shared/learning/objective.ts";

const post = (day: number, hour: number, events: number, reach: number | null): Outcome => ({
  day_of_week: day,
  hour,
  events,
  reach,
});
const repeat = (n: number, o: Outcome) => Array.from({ length: n }, () => o);
const valueAt = (outcomes: Outcome[], day: number, hour: number) => {
  const observations = objectiveObservations(outcomes);
  const i = outcomes.findIndex((o) => o.day_of_week === day && o.hour === hour);
  return observations[i].engagements;
};

Deno.test("a larger audience wins only when it brings more events per post", () => {
  // Monday 9: 1000 people, 4% click. Friday 18: 3000 people, 1% click (30 < 40 per post).
  const smaller = [...repeat(10, post(1, 9, 40, 1000)), ...repeat(10, post(5, 18, 30, 3000))];
  assert.ok(valueAt(smaller, 1, 9) > valueAt(smaller, 5, 18));
  // Friday 18 at 2% (60 > 40 per post): now the larger audience is worth more.
  const larger = [...repeat(10, post(1, 9, 40, 1000)), ...repeat(10, post(5, 18, 60, 3000))];
  assert.ok(valueAt(larger, 5, 18) > valueAt(larger, 1, 9));
});

Deno.test("a slot's rate is shrunk toward the platform's: one lucky post does not make a peak", () => {
  // Conversions: 1 in 2000 people over 40 posts; one post on Sunday 21 converted 3 of 1000.
  const outcomes = [
    ...Array.from({ length: 40 }, (_, i) => post(1 + (i % 5), 9 + (i % 8), i % 2, 1000)),
    post(0, 21, 3, 1000),
  ];
  const observations = objectiveObservations(outcomes);
  // Its own rate is 3 / 1000, over five times the platform's 23 / 41000; its value stays below
  // twice the average post's.
  assert.ok(observations[40].engagements < 200, `shrunk: ${observations[40].engagements}`);
  assert.ok(observations[40].engagements > 100, "but still above the average: it did convert");
  const mean = observations.reduce((a, o) => a + o.engagements, 0) / observations.length;
  assert.ok(Math.abs(mean - 100) < 1e-9, "the platform's average post is worth 100");
});

Deno.test("without reach a post counts its events; without any event reach ranks the slots", () => {
  const noReach = [post(1, 9, 12, null), post(2, 9, 6, 0)];
  const [a, b] = objectiveObservations(noReach);
  assert.ok(Math.abs(a.engagements / b.engagements - 2) < 1e-9);
  const noEvents = [post(1, 9, 0, 1000), post(2, 9, 0, 4000)];
  const [c, d] = objectiveObservations(noEvents);
  assert.ok(Math.abs(d.engagements / c.engagements - 4) < 1e-9);
  assert.deepEqual(objectiveObservations([]), []);
});
