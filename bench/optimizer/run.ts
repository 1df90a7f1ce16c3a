// bench/optimizer: K simulated weeks per platform of the engagement model, posting 5 times a week by
// (a) the seed's fixed default times and (b) the learned schedule (Thompson sampling over the
// shrunk slot model, fed by the posts so far). Prints (b)/(a) and (b)/best per platform and overall.
//   ./node_modules/.bin/deno run -A bench/optimizer/run.ts [--weeks 12] [--seeds 5]
import { parseArgs } from "node:util";
import { loadEngagementModel } from "../../dev/emulators/engagement.ts";
import { seededRandom } from "../../supabase/functions/_shared/learning/random.ts";
import { simulate } from "./simulate.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    weeks: { type: "string", default: "12" },
    seeds: { type: "string", default: "5" },
    start: { type: "string", default: "2027-01-04T05:00:00Z" },
  },
});
const weeks = Number(values.weeks);
const seeds = Number(values.seeds);
const model = loadEngagementModel();
const fmt = (x: number) => x.toFixed(3);
const describe = (slots: { day_of_week: number; hour: number }[]) =>
  slots.map((s) => `${"SMTWTFS"[s.day_of_week]}${s.hour}`).join(" ");

console.log(
  `engagement model seed ${model.params.seed}, ${weeks} weeks, 5 posts/week, ${seeds} policy seeds`,
);
console.log("platform    (b)/(a)  (b)/best  (a)/best  learned slots (last week, seed 1) | best");
let totalFixed = 0, totalLearned = 0, totalBest = 0;
for (const platform of Object.keys(model.params.platforms)) {
  let fixed = 0, learned = 0, best = 0;
  let example = "";
  for (let seed = 1; seed <= seeds; seed++) {
    const r = simulate(model, {
      platform,
      weeks,
      start: new Date(values.start),
      random: seededRandom(seed),
    });
    fixed += r.fixed;
    learned += r.learned;
    best += r.best;
    if (seed === 1) example = `${describe(r.learnedSlotsLastWeek)} | ${describe(r.bestSlots)}`;
  }
  totalFixed += fixed;
  totalLearned += learned;
  totalBest += best;
  console.log(
    `${platform.padEnd(11)} ${fmt(learned / fixed).padStart(7)}  ${
      fmt(learned / best).padStart(8)
    }  ${fmt(fixed / best).padStart(8)}  ${example}`,
  );
}
console.log(
  `${"all".padEnd(11)} ${fmt(totalLearned / totalFixed).padStart(7)}  ${
    fmt(totalLearned / totalBest).padStart(8)
  }  ${fmt(totalFixed / totalBest).padStart(8)}`,
);
