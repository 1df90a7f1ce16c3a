// bench/optimizer: the learned schedule (the production learner, refit each simulated day) against
// the best possible, on a family of generated audiences (generate.ts) or on one model from a file.
// Per platform kind and overall, the mean and the worst model of `cumulative` (12 weeks) and `last4`
// (weeks 9-12), for a client alone and for a population of clients sharing an audience pattern.
//   ./node_modules/.bin/deno run -A bench/optimizer/run.ts [--models 20] [--clients 20] [--seed 1]
//       [--seeds 1] [--weeks 12] [--platforms x,email] [--start ISO] [--no-population]
//       [--learner '{"model": {"lengthscale": 2}, "policy": {"explore": 0.3}}'] [--online] [--weekly]
//   --online: Instagram clients get their model's online profile (the emulator's online_followers)
//   as the learner's prior, as production does once metrics sync has read it.
//   --weekly: refit once a week and place the week's posts at its start (the bench's figures before
//   it refit daily as production does).
//   ./node_modules/.bin/deno run -A bench/optimizer/run.ts --model dev/emulators/engagement-model.json
// The last line is `overall cumulative=<x.xxx> last4=<y.yyy>`: the population case over all
// platforms, models and clients.
import { parseArgs } from "node:util";
import { type EngagementModelParams, loadEngagementModel } from "../../dev/emulators/engagement.ts";
import { meanScore, type Score, scoreAlone, scorePopulation } from "./evaluate.ts";
import { generateModel } from "./generate.ts";
import { type LearnerSettings, LearnerSettingsSchema, REFIT_DAYS } from "./simulate.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    model: { type: "string" },
    models: { type: "string", default: "20" },
    clients: { type: "string", default: "20" },
    seed: { type: "string", default: "1" },
    seeds: { type: "string" },
    weeks: { type: "string", default: "12" },
    platforms: { type: "string" },
    start: { type: "string" },
    learner: { type: "string" },
    "no-population": { type: "boolean", default: false },
    online: { type: "boolean", default: false },
    weekly: { type: "boolean", default: false },
  },
});
for (const flag of ["models", "clients", "seed", "seeds", "weeks"] as const) {
  const v = values[flag];
  if (v !== undefined && !(Number.isInteger(Number(v)) && Number(v) >= (flag === "seed" ? 0 : 1))) {
    console.error(
      `--${flag} takes a whole number${flag === "seed" ? "" : " of at least 1"}, not "${v}"`,
    );
    Deno.exit(2);
  }
}
const fromFile = values.model !== undefined;
const weeks = Number(values.weeks);
const clients = Number(values.clients);
const familySeed = Number(values.seed);
// One model from a file keeps the bench's original settings (5 policy seeds, the week of 4 Jan 2027
// in New York); a generated family starts on 1 Mar 2027 so its 12 weeks cross the northern spring
// and southern autumn daylight-saving changes.
const seeds = Number(values.seeds ?? (fromFile ? 5 : 1));
const start = new Date(
  values.start ?? (fromFile ? "2027-01-04T05:00:00Z" : "2027-03-01T00:00:00Z"),
);
const patterns: { label: string; params: EngagementModelParams }[] = fromFile
  ? [{ label: values.model!, params: loadEngagementModel(values.model).params }]
  : Array.from({ length: Number(values.models) }, (_, i) => {
    const params = generateModel(familySeed, i);
    return { label: `#${i + 1} ${params.audienceTimezone}`, params };
  });
const platforms = values.platforms?.split(",") ??
  [...new Set(patterns.flatMap((p) => Object.keys(p.params.platforms)))];
let learner: LearnerSettings | undefined;
try {
  learner = values.learner === undefined
    ? undefined
    : LearnerSettingsSchema.parse(JSON.parse(values.learner));
} catch (e) {
  console.error(`--learner takes JSON {"model": {...}, "policy": {...}}: ${e}`);
  Deno.exit(2);
}
const run = {
  weeks,
  start,
  learner,
  population: !values["no-population"],
  online: values.online,
  refitDays: values.weekly ? 7 : REFIT_DAYS,
};
const fmt = (x: number) => x.toFixed(3);
const describe = (slots: { day_of_week: number; hour: number }[]) =>
  slots.map((s) => `${"SMTWTFS"[s.day_of_week]}${s.hour}`).join(" ");

console.log(
  `${
    fromFile ? `model ${values.model}` : `${patterns.length} generated models (seed ${familySeed})`
  }, ${weeks} weeks from ${start.toISOString()}, 5 posts/week, refit ${
    run.refitDays === 1 ? "daily" : `every ${run.refitDays} days`
  }; alone: ${seeds} policy seed(s); population: ${clients} clients a platform kind, ${
    run.population
      ? "learning as the production job does (their own feedback and the population prior of all of theirs, same kind and zone)"
      : "each learning alone (--no-population)"
  }`,
);

// Scores by platform, then by model: alone, and the population's clients.
const alone = new Map<string, Score[]>();
const population = new Map<string, Score[][]>();
for (const platform of platforms) {
  alone.set(platform, []);
  population.set(platform, []);
}

if (fromFile) {
  console.log("alone:");
  console.log(
    "platform    (b)/(a)  (b)/best  (a)/best  last4  learned slots (last week, seed 1) | best",
  );
}
let totalFixed = 0, totalLearned = 0, totalBest = 0;
for (const { params } of patterns) {
  for (const platform of platforms) {
    if (!params.platforms[platform]) continue;
    const a = scoreAlone(params, platform, seeds, run);
    alone.get(platform)!.push(a);
    population.get(platform)!.push(scorePopulation(params, platform, clients, familySeed, run));
    if (fromFile) {
      totalFixed += a.fixed;
      totalLearned += a.learned;
      totalBest += a.best;
      console.log(
        `${platform.padEnd(11)} ${fmt(a.learned / a.fixed).padStart(7)}  ${
          fmt(a.cumulative).padStart(8)
        }  ${fmt(a.fixed / a.best).padStart(8)}  ${fmt(a.last4)}  ${
          describe(a.learnedSlotsLastWeek)
        } | ${describe(a.bestSlots)}`,
      );
    }
  }
}
if (fromFile) {
  console.log(
    `${"all".padEnd(11)} ${fmt(totalLearned / totalFixed).padStart(7)}  ${
      fmt(totalLearned / totalBest).padStart(8)
    }  ${fmt(totalFixed / totalBest).padStart(8)}`,
  );
}

/** Mean and worst (with the model's label) of one score per model. */
function summary(perModel: Score[], labels: string[]) {
  const mean = meanScore(perModel);
  if (perModel.length === 1) return `cumulative ${fmt(mean.cumulative)}, last4 ${fmt(mean.last4)}`;
  const worst = (key: "cumulative" | "last4") => {
    let i = 0;
    perModel.forEach((s, j) => {
      if (s[key] < perModel[i][key]) i = j;
    });
    return `${fmt(perModel[i][key])} (${labels[i]})`;
  };
  return `cumulative ${fmt(mean.cumulative)} worst ${worst("cumulative")}, last4 ${
    fmt(mean.last4)
  } worst ${worst("last4")}`;
}

const labelsOf = (platform: string) =>
  patterns.filter((p) => p.params.platforms[platform]).map((p) => p.label);
console.log("\nper platform kind: mean over models, and the worst model");
for (const platform of platforms) {
  const labels = labelsOf(platform);
  console.log(`${platform.padEnd(10)} alone       ${summary(alone.get(platform)!, labels)}`);
  console.log(
    `${"".padEnd(10)} population  ${summary(population.get(platform)!.map(meanScore), labels)}`,
  );
}

// Overall per model: the mean over its platforms (and, for the population, their clients).
const modelAlone: Score[] = [];
const modelPopulation: Score[] = [];
patterns.forEach(({ params }) => {
  const a: Score[] = [], p: Score[] = [];
  for (const platform of platforms) {
    const i = labelsOf(platform).indexOf(patterns.find((x) => x.params === params)!.label);
    if (i < 0) continue;
    a.push(alone.get(platform)![i]);
    p.push(...population.get(platform)![i]);
  }
  modelAlone.push(meanScore(a));
  modelPopulation.push(meanScore(p));
});
const labels = patterns.map((p) => p.label);
if (patterns.length > 1) {
  console.log("\nper model (mean over platforms): alone | population");
  patterns.forEach((p, i) =>
    console.log(
      `${p.label.padEnd(26)} cumulative ${fmt(modelAlone[i].cumulative)} last4 ${
        fmt(modelAlone[i].last4)
      } | cumulative ${fmt(modelPopulation[i].cumulative)} last4 ${fmt(modelPopulation[i].last4)}`,
    )
  );
}
console.log(`\nall platforms alone       ${summary(modelAlone, labels)}`);
console.log(`all platforms population  ${summary(modelPopulation, labels)}`);
const allAlone = meanScore([...alone.values()].flat());
console.log(`overall alone cumulative=${fmt(allAlone.cumulative)} last4=${fmt(allAlone.last4)}`);
const everyClient = [...population.values()].flat(2);
// (a client's week without posts has no ratio: a cold start's draws may place none in a week)
const weekly = Array.from({ length: weeks }, (_, w) => {
  const ratios = everyClient.map((s) => s.byWeek?.[w] ?? NaN).filter((x) => Number.isFinite(x));
  return ratios.reduce((a, b) => a + b, 0) / ratios.length;
});
console.log(`population by week (learned / best possible): ${weekly.map(fmt).join(" ")}`);
const overall = meanScore(everyClient);
console.log(`overall cumulative=${fmt(overall.cumulative)} last4=${fmt(overall.last4)}`);
