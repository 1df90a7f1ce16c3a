import assert from "node:assert/strict";
import {
  EngagementModel,
  type EngagementModelParams,
  loadEngagementModel,
} from "../../dev/emulators/engagement.ts";

const PARAMS: EngagementModelParams = {
  seed: 1,
  audienceTimezone: "America/New_York",
  noise: 0.1,
  growthHours: 10,
  platforms: {
    x: {
      baseImpressions: 1000,
      offPeakFactor: 0.5,
      weekdayFactors: [1, 1, 1, 1, 1, 1, 1],
      peakSlots: [{ weekdays: [2], hour: 9, boost: 2, widthHours: 1 }],
      rates: { likes: 0.05 },
    },
  },
};

// Tuesday 2026-03-03 09:00 in New York (EST, UTC-5) = 14:00Z.
const PEAK = new Date("2026-03-03T14:00:00Z");
const OFF_PEAK = new Date("2026-03-03T20:00:00Z");
const hours = (d: Date, h: number) => new Date(d.getTime() + h * 3_600_000);

Deno.test("engagement: deterministic for a seed, different for another seed", () => {
  const a = new EngagementModel(PARAMS).metrics("x", "p1", PEAK, hours(PEAK, 24));
  const b = new EngagementModel(PARAMS).metrics("x", "p1", PEAK, hours(PEAK, 24));
  const c = new EngagementModel({ ...PARAMS, seed: 2 }).metrics("x", "p1", PEAK, hours(PEAK, 24));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

Deno.test("engagement: grows with age and never decreases; zero before publishing", () => {
  const model = new EngagementModel(PARAMS);
  let last = -1;
  for (const h of [0, 1, 2, 6, 12, 24, 72, 240]) {
    const m = model.metrics("x", "p1", PEAK, hours(PEAK, h));
    assert.ok(m.impressions >= last, `at ${h}h`);
    last = m.impressions;
  }
  assert.equal(model.metrics("x", "p1", PEAK, hours(PEAK, -1)).impressions, 0);
  assert.ok(last > 0);
});

Deno.test("engagement: the peak slot in the audience's time zone beats off-peak", () => {
  const model = new EngagementModel({ ...PARAMS, noise: 0 });
  assert.equal(model.slotFactor("x", PEAK), 2.5);
  assert.ok(model.slotFactor("x", OFF_PEAK) < 0.6);
  assert.ok(
    model.metrics("x", "a", PEAK, hours(PEAK, 48)).impressions >
      model.metrics("x", "a", OFF_PEAK, hours(OFF_PEAK, 48)).impressions,
  );
  // Same UTC instant, audience in Tokyo: no longer Tuesday 9am.
  const tokyo = new EngagementModel({ ...PARAMS, noise: 0, audienceTimezone: "Asia/Tokyo" });
  assert.ok(tokyo.slotFactor("x", PEAK) < 1);
});

Deno.test("engagement: loads the default file, inline JSON or a path from the environment", () => {
  assert.ok(loadEngagementModel("").params.platforms.linkedin);
  assert.equal(loadEngagementModel(JSON.stringify(PARAMS)).params.seed, 1);
  const path = Deno.makeTempFileSync({ suffix: ".json" });
  try {
    Deno.writeTextFileSync(path, JSON.stringify({ ...PARAMS, seed: 99 }));
    assert.equal(loadEngagementModel(path).params.seed, 99);
  } finally {
    Deno.removeSync(path);
  }
  assert.throws(() => loadEngagementModel(JSON.stringify({ seed: "x" })));
  assert.throws(() => new EngagementModel(PARAMS).metrics("nope", "p", PEAK, PEAK));
});
