// How often an A/A test declares a winner, and how often a real difference wins, under the production rule
// (private.conclude_ab_tests: hourly looks; once every post is out and every variant has min_base
// engagement_base units, a variant wins when its decision p-value against the control, which counts the spread
// between posts, is below alpha / (3 k); no_difference after max_days), the previous rule (the pooled
// two-proportion z-test below alpha / k) and candidates. The p-values come from the TypeScript twins of
// private.ab_decision_p_value and public.two_proportion_p_value (_shared/ab/stats.ts; equal to the SQL functions
// in tests/ab/ab_tests.test.ts and to published values in tests/ab/statistics.test.ts).
//
// Each simulated test: one platform kind, a control and one variant with `posts` posts each, post j of both going
// out together at hour 24 * j (a random weekday and hour, so the engagement model's slot factor). A post's
// audience grows as the emulators' engagement model says (dev/emulators/engagement.ts: base impressions x slot
// factor x per-post noise x growth curve); its engagement rate is the model's rates, each metric times its own
// per-post noise (1 +- noise), times `lift` for the variant; every new unit of audience engages with that
// probability (binomial). The emulators themselves report floor(expected) without the binomial draw; real
// platforms do not. (Production gives each variant its own slot; in the model a slot scales the audience,
// not the rate, so one shared slot a pair changes no A/A outcome.) Candidate rules run on the same tests.
//
//   ./node_modules/.bin/deno run -A bench/abtest/run.ts [--tests 2000] [--seed 1] [--lift 1.2]
//     [--spread 0.1] [--tau 0.2] [--between 0.087] [--only <part of a rule's name>]
import { EngagementModel, loadEngagementModel } from "../../dev/emulators/engagement.ts";
import {
  type Random,
  seededRandom,
  standardNormal,
} from "../../supabase/functions/_shared/learning/random.ts";
import {
  abDecisionPValue,
  type DecisionSide,
  type Proportion,
  twoProportionPValue,
} from "../../supabase/functions/_shared/ab/stats.ts";

const ALPHA = 0.05;
const MAX_DAYS = 14;
const MIN_BASE = 1000;
const LOOKS = MAX_DAYS * 24;

/** Platform kinds simulated, with the metrics summed into engagement_count and the audience (engagement_base). */
const KINDS: Record<string, { metrics: string[]; base: "impressions" | "reach" }> = {
  x: { metrics: ["likes", "comments", "shares", "saves"], base: "impressions" },
  linkedin: { metrics: ["likes", "comments", "shares"], base: "impressions" },
  instagram: { metrics: ["likes", "comments", "shares", "saves"], base: "reach" },
  wordpress: { metrics: ["comments", "shares"], base: "impressions" },
  email: { metrics: ["opens"], base: "impressions" },
};

function arg(name: string, fallback: number): number {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Number(Deno.args[i + 1]) : fallback;
}

/** Binomial(n, p): exact by inversion for small means, normal approximation (rounded, clamped) otherwise. */
function binomial(random: Random, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  const mean = n * p;
  if (mean * (1 - p) > 25) {
    return Math.max(
      0,
      Math.min(n, Math.round(mean + Math.sqrt(mean * (1 - p)) * standardNormal(random))),
    );
  }
  let k = 0;
  let term = Math.pow(1 - p, n);
  let cumulative = term;
  const u = random();
  while (u > cumulative && k < n) {
    term *= ((n - k) / (k + 1)) * (p / (1 - p));
    k++;
    cumulative += term;
  }
  return k;
}

interface Post {
  at: number; // hour published, from the test's start
  audience: number; // final engagement_base
  rate: number; // engagement probability per unit of audience
}

/** A variant's cumulative totals at one look, and each of its posts' (those with an audience yet). */
interface Look extends Proportion {
  parts: Proportion[];
}

/** One variant's cumulative (engagement_count, engagement_base) at every hour 1..LOOKS. */
function trajectory(model: EngagementModel, random: Random, posts: Post[]): Look[] {
  const out: Look[] = [];
  const seen = posts.map(() => ({ n: 0, x: 0 }));
  for (let t = 1; t <= LOOKS; t++) {
    let n = 0;
    let x = 0;
    posts.forEach((post, i) => {
      const reached = Math.floor(post.audience * model.growth(t - post.at));
      if (reached > seen[i].n) {
        seen[i].x += binomial(random, reached - seen[i].n, post.rate);
        seen[i].n = reached;
      }
      n += seen[i].n;
      x += seen[i].x;
    });
    out.push({ x, n, parts: seen.filter((p) => p.n > 0).map((p) => ({ ...p })) });
  }
  return out;
}

interface Scenario {
  kind: string;
  posts: number;
  lift: number;
  noise: boolean;
}

/** Both variants' trajectories for one simulated test. */
function simulate(
  model: EngagementModel,
  random: Random,
  s: Scenario,
): [Look[], Look[]] {
  const platform = model.params.platforms[s.kind];
  const spec = KINDS[s.kind];
  const noise = () => s.noise ? 1 + model.params.noise * (2 * random() - 1) : 1;
  const slots = Array.from({ length: s.posts }, (_, j) => ({
    at: 24 * j,
    slot: model.localFactor(s.kind, Math.floor(random() * 7), random() * 24),
  }));
  const variant = (lift: number) =>
    slots.map(({ at, slot }): Post => {
      const impressions = platform.baseImpressions * slot * noise();
      const audience = spec.base === "reach"
        ? impressions * platform.rates.reach * noise()
        : impressions;
      const rate = spec.metrics.reduce((sum, m) => sum + (platform.rates[m] ?? 0) * noise(), 0) *
        lift;
      return { at, audience, rate: Math.min(1, rate) };
    });
  return [trajectory(model, random, variant(1)), trajectory(model, random, variant(s.lift))];
}

/** A decision rule at one look: whether a winner is declared (k = 1). `posts` counts each side's posts so far. */
type Rule = (control: Look, variant: Look, posts: number, total: number) => boolean;

/** The pooled z-test's p-value below `alpha` once both sides have min_base units: the previous rule at ALPHA. */
function zTest(alpha: number): Rule {
  return (control, variant) => {
    if (Math.min(control.n, variant.n) < MIN_BASE) return false;
    const p = twoProportionPValue(variant, control);
    return p !== undefined && p < alpha / 1;
  };
}

/**
 * A candidate (not in production): the mixture sequential probability ratio test on the difference of rates
 * (normal approximation, mixing over N(0, tau^2), tau = TAU_REL x the pooled rate), valid at any number of
 * looks: a winner when the likelihood ratio reaches 1 / alpha. `between` adds a variance between posts
 * (relative standard deviation `between` per post) to the binomial one.
 */
const TAU_REL = arg("tau", 0.2);
function msprt(between: number): Rule {
  return (control, variant, posts) => {
    if (Math.min(control.n, variant.n) < MIN_BASE) return false;
    const pooled = (control.x + variant.x) / (control.n + variant.n);
    if (pooled <= 0 || pooled >= 1) return false;
    const v = pooled * (1 - pooled) * (1 / control.n + 1 / variant.n) +
      (between * pooled) ** 2 * (2 / posts);
    const tau2 = (TAU_REL * pooled) ** 2;
    const diff = variant.x / variant.n - control.x / control.n;
    const logLr = 0.5 * Math.log(v / (v + tau2)) + (diff * diff * tau2) / (2 * v * (v + tau2));
    return logLr >= Math.log(1 / ALPHA);
  };
}

/**
 * A candidate (not in production): the z-test with each side's variance the larger of the binomial one and
 * the cluster-robust one from its own posts (m / (m - 1) x sum (x_i - rate x n_i)^2 / n^2, when it has 2 or
 * more), at p < `alpha` a look. One post a side gives the plain z-test.
 */
function robustZ(alpha: number): Rule {
  // abDecisionPValue with no assumed spread: the larger of the binomial and the cluster-robust variance.
  return (control, variant) => {
    if (Math.min(control.n, variant.n) < MIN_BASE) return false;
    const p = abDecisionPValue(decisionSide(variant), decisionSide(control), 0);
    return p !== undefined && p < alpha;
  };
}

/** A side at one look as the decision p-value takes it: totals, its posts, sum (x_i - rate x n_i)^2. */
function decisionSide(look: Look): DecisionSide {
  const rate = look.x / look.n;
  const ss = look.parts.reduce((sum, p) => sum + (p.x - rate * p.n) ** 2, 0);
  return { x: look.x, n: look.n, m: look.parts.length, ss };
}

/**
 * The production rule (private.conclude_ab_tests): decides only once every post of both sides is out, with
 * the decision p-value (_shared/ab/stats.ts abDecisionPValue, the twin of private.ab_decision_p_value: each
 * side's variance the larger of binomial plus a relative between-post spread and the cluster-robust one of its
 * own posts) below `alpha` a look (ALPHA / 3 in production).
 */
function postAware(spread: number, alpha: number): Rule {
  return (control, variant, _posts, total) => {
    if (control.parts.length < total || variant.parts.length < total) return false;
    if (Math.min(control.n, variant.n) < MIN_BASE) return false;
    const p = abDecisionPValue(decisionSide(variant), decisionSide(control), spread);
    return p !== undefined && p < alpha;
  };
}

interface Outcome {
  hourly: number; // tests with a winner at some hourly look
  variantWins: number; // tests where the variant won at some hourly look (with lift > 1: the right answer)
  once: number; // tests with a winner at the single look at max_days
  variantOnce: number; // tests where the variant won at the single look at max_days
  reachedBase: number; // tests where both variants reached min_base by max_days
  firstHours: number[]; // hour of each variant win
}

function run(
  model: EngagementModel,
  seed: number,
  tests: number,
  s: Scenario,
  rule: Rule,
): Outcome {
  const random = seededRandom(seed);
  const o: Outcome = {
    hourly: 0,
    variantWins: 0,
    once: 0,
    variantOnce: 0,
    reachedBase: 0,
    firstHours: [],
  };
  const postsAt = (t: number) => Math.min(s.posts, Math.floor((t - 1) / 24) + 1);
  for (let i = 0; i < tests; i++) {
    const [c, v] = simulate(model, random, s);
    const hit = c.findIndex((_, t) => rule(c[t], v[t], postsAt(t + 1), s.posts));
    if (hit >= 0) {
      o.hourly++;
      if (v[hit].x / v[hit].n > c[hit].x / c[hit].n) {
        o.variantWins++;
        o.firstHours.push(hit + 1);
      }
    }
    const [lastC, lastV] = [c[LOOKS - 1], v[LOOKS - 1]];
    if (rule(lastC, lastV, s.posts, s.posts)) {
      o.once++;
      if (lastV.x / lastV.n > lastC.x / lastC.n) o.variantOnce++;
    }
    if (Math.min(c[LOOKS - 1].n, v[LOOKS - 1].n) >= MIN_BASE) o.reachedBase++;
  }
  return o;
}

const pct = (a: number, b: number) => `${(100 * a / b).toFixed(1)}%`;
const median = (xs: number[]) =>
  xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : NaN;

const tests = arg("tests", 2000);
const seed = arg("seed", 1);
const lift = arg("lift", 1.2);
const liftName = `+${Math.round((lift - 1) * 100)}%`;
const between = arg("between", 0.15 / Math.sqrt(3));
const model = loadEngagementModel();
const POST_SPREAD = arg("spread", 0.1);
const allRules: [string, Rule][] = [
  [
    `production (post spread ${POST_SPREAD}, p < alpha / 3 a look)`,
    postAware(POST_SPREAD, ALPHA / 3),
  ],
  ["the previous rule (pooled z-test, p < 0.05 a look)", zTest(ALPHA)],
  ["candidate: the pooled z-test at p < 0.01 a look", zTest(0.01)],
  ["candidate: the pooled z-test at p < 0.005 a look", zTest(0.005)],
  [`candidate: mSPRT tau ${TAU_REL}`, msprt(0)],
  ["candidate: z-test with the posts' cluster-robust variance, p < 0.005 a look", robustZ(0.005)],
  [`candidate: mSPRT tau ${TAU_REL} + between-post sd ${between.toFixed(3)}`, msprt(between)],
  ...[0, 0.05, 0.15].map((spread): [string, Rule] => [
    `candidate: the production rule with post spread ${spread}`,
    postAware(spread, ALPHA / 3),
  ]),
  ["candidate: the production rule at p < alpha a look", postAware(POST_SPREAD, ALPHA)],
];
const only = Deno.args.indexOf("--only");
const rules = only >= 0
  ? allRules.filter(([name]) => name.includes(Deno.args[only + 1]))
  : allRules;
console.log(
  `${tests} tests a row, seed ${seed}, alpha ${ALPHA}, min_base ${MIN_BASE}, hourly looks for ${MAX_DAYS} days, ` +
    `per-post noise +-${model.params.noise}`,
);
for (const [name, rule] of rules) {
  console.log(`\n### ${name}\n`);
  console.log(
    "| kind | posts/variant | per-post noise | A/A winner, hourly looks | A/A winner, one look at day 14 | " +
      `reached min_base | ${liftName}: variant wins, hourly | median hour of the win | ` +
      `${liftName}: variant wins, one look |`,
  );
  console.log("|---|---|---|---|---|---|---|---|---|");
  let k = 0;
  const totals = [false, true].map(() => ({ aa: 0, once: 0, ab: 0, abOnce: 0, rows: 0 }));
  for (const kind of Object.keys(KINDS)) {
    for (const posts of [1, 3]) {
      for (const noise of [false, true]) {
        k++;
        // The same seeds for every rule: each rule sees the same simulated tests.
        const aa = run(model, seed * 1000 + k, tests, { kind, posts, lift: 1, noise }, rule);
        const ab = run(model, seed * 1000 + 500 + k, tests, { kind, posts, lift, noise }, rule);
        const total = totals[Number(noise)];
        total.aa += aa.hourly;
        total.once += aa.once;
        total.ab += ab.variantWins;
        total.abOnce += ab.variantOnce;
        total.rows++;
        console.log(
          `| ${kind} | ${posts} | ${noise ? "on" : "off"} | ${pct(aa.hourly, tests)} | ${
            pct(aa.once, tests)
          } | ` +
            `${pct(aa.reachedBase, tests)} | ${pct(ab.variantWins, tests)} | ${
              median(ab.firstHours)
            } | ` +
            `${pct(ab.variantOnce, tests)} |`,
        );
      }
    }
  }
  totals.forEach((total, noise) => {
    const n = tests * total.rows;
    console.log(
      `| all kinds | 1 and 3 | ${noise ? "on" : "off"} | ${pct(total.aa, n)} | ${
        pct(total.once, n)
      } | | ` +
        `${pct(total.ab, n)} | | ${pct(total.abOnce, n)} |`,
    );
  });
}
