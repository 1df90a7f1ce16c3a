// The slot model: a Gaussian process over the week's 168 local (day, hour) slots. A post's outcome is
// y = ln(1 + engagements) minus the platform's mean, so effects are multiplicative lifts over the
// platform's own level. A slot's value is the sum of four smooth parts (the covariance kernel):
//   - a level (how this platform's slots sit against the mean of the posts it happened to make),
//   - a day effect (Tuesdays are better than Sundays),
//   - an hour profile shared by all days (engagement is smooth in time: an untried 15:00 between a
//     good 14:00 and 16:00 is expected to be good too; the same hour on other days is informative),
//   - each day's own hour profile (a peak only on Tuesday and Thursday evenings).
// Hours correlate by a Gaussian kernel of their distance, so one post informs its neighbours and the
// same hour on other days, each by how similar they are. The prior mean is a population's posterior
// (other clients of the same platform kind and audience zone, see populationPriors in learn.ts), or,
// without one, 0 (with a head start for the platform's default posting times before any post).
// With a population the client's own deviation from it has a smaller variance (populationShare),
// so a new client follows the population and moves to its own data as its posts accumulate.
import { type Random, standardNormal } from "./random.ts";
import { DAYS, HOURS, type Observation, SLOT_COUNT, slotIndex, slotOf } from "./slots.ts";

export interface ModelOptions {
  /** Prior variance (log scale) of the platform's level against its observed mean. */
  levelVariance: number;
  /** Prior variance of a day effect. */
  dayVariance: number;
  /** Prior variance of the hour profile shared by all days. */
  hourVariance: number;
  /** Prior variance of a day's own hour profile. */
  dayHourVariance: number;
  /** How far (hours) a slot's value carries to its neighbours: the kernel's length scale. */
  lengthscale: number;
  /** Prior guess of the noise variance of one post, and its weight in pseudo-observations. */
  noiseVariance: number;
  noiseWeight: number;
  /** Prior mean lift of the platform's default posting times with no posts and no population. */
  defaultBonus: number;
  /** With a population prior: the share of the day and hour variances left for the client's own
   * deviation from the population. */
  populationShare: number;
  /** How far the platform's reported online profile moves each slot's prior mean: this times the
   * log of the hour's followers online over their mean (learn.ts withOnlineActivity). */
  onlineWeight: number;
  /** Rounds of fitting the population's platform levels and slot values in turn. */
  populationSweeps: number;
  /** Populations of at most this many platforms with feedback leave each platform's own feedback
   * out of its prior (learn.ts populationPriors). */
  leaveOneOutMax: number;
}

export const DEFAULT_MODEL_OPTIONS: ModelOptions = {
  levelVariance: 1,
  dayVariance: 0.11,
  hourVariance: 0.11,
  dayHourVariance: 0.05,
  lengthscale: 2.5,
  noiseVariance: 0.1,
  noiseWeight: 3,
  defaultBonus: 0.3,
  populationShare: 0.15,
  onlineWeight: 0.5,
  populationSweeps: 3,
  leaveOneOutMax: 10,
};

export interface SlotPosterior {
  day_of_week: number;
  hour: number;
  /** Posts observed in this slot. */
  n: number;
  /** Posterior mean lift (log scale) over the platform mean, and its variance. */
  mean: number;
  variance: number;
}

/** A prior for every slot (mean and variance, log scale), e.g. a population's posterior. */
export interface SlotPrior {
  mean: number[];
  variance: number[];
  /** The share of the day and hour variances left for the platform's own deviation from this
   * prior: absent, populationShare (a population's posterior); 1 for a prior that only moves the
   * mean (the platform's online profile, learn.ts withOnlineActivity). */
  share?: number;
}

export interface SlotModel {
  platformMean: number;
  noiseVariance: number;
  slots: SlotPosterior[];
  sampleSize: number;
  /** The prior weight of one slot, in pseudo-posts (noise / the slot's prior variance without the
   * level). */
  priorWeight: number;
  /** The prior variance of one slot's value (what confidence is measured against). */
  priorVariance: number;
  /** One joint draw of every slot's value from the posterior (neighbouring slots move together). */
  sample(random: Random): number[];
}

function groupSums(values: number[], keys: number[], size: number) {
  const sum = new Array<number>(size).fill(0);
  const n = new Array<number>(size).fill(0);
  values.forEach((v, i) => {
    sum[keys[i]] += v;
    n[keys[i]]++;
  });
  return { sum, n };
}

/** Pooled within-slot variance, regularized toward the prior guess. */
function noiseVariance(y: number[], slot: number[], o: ModelOptions): number {
  const { sum, n } = groupSums(y, slot, SLOT_COUNT);
  let ss = 0;
  y.forEach((v, i) => {
    const mean = sum[slot[i]] / n[slot[i]];
    ss += (v - mean) ** 2;
  });
  const dof = y.length - n.filter((c) => c > 0).length;
  return Math.max((ss + o.noiseWeight * o.noiseVariance) / (dof + o.noiseWeight), 1e-4);
}

/** How much two hours `d` apart move together (a Gaussian kernel of their distance). */
function nearness(o: ModelOptions): number[] {
  return Array.from({ length: HOURS }, (_, d) => Math.exp(-(d * d) / (2 * o.lengthscale ** 2)));
}

/** The covariance of two slots' values; `share` scales the day and hour parts. */
function kernel(o: ModelOptions, share: number) {
  const near = nearness(o);
  return (a: number, b: number): number => {
    const k = near[Math.abs((a % HOURS) - (b % HOURS))];
    const sameDay = Math.floor(a / HOURS) === Math.floor(b / HOURS);
    return o.levelVariance +
      share * (o.hourVariance * k + (sameDay ? o.dayVariance + o.dayHourVariance * k : 0));
  };
}

/** In-place Cholesky factor (lower) of a symmetric positive definite matrix (row-major, m x m). */
function cholesky(a: Float64Array, m: number): Float64Array {
  for (let j = 0; j < m; j++) {
    let d = a[j * m + j];
    for (let k = 0; k < j; k++) d -= a[j * m + k] ** 2;
    const root = Math.sqrt(Math.max(d, 1e-9));
    a[j * m + j] = root;
    for (let i = j + 1; i < m; i++) {
      let s = a[i * m + j];
      for (let k = 0; k < j; k++) s -= a[i * m + k] * a[j * m + k];
      a[i * m + j] = s / root;
    }
    for (let k = j + 1; k < m; k++) a[j * m + k] = 0;
  }
  return a;
}

/** Solves L x = b in place (L lower triangular, m x m). */
function forward(l: Float64Array, m: number, b: Float64Array): Float64Array {
  for (let i = 0; i < m; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * m + k] * b[k];
    b[i] = s / l[i * m + i];
  }
  return b;
}

/** Solves L^T x = b in place. */
function backward(l: Float64Array, m: number, b: Float64Array): Float64Array {
  for (let i = m - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < m; k++) s -= l[k * m + i] * b[k];
    b[i] = s / l[i * m + i];
  }
  return b;
}

export function fitSlotModel(
  observations: Observation[],
  defaults: ReadonlySet<number>,
  options: Partial<ModelOptions> = {},
  prior?: SlotPrior,
): SlotModel {
  const o = { ...DEFAULT_MODEL_OPTIONS, ...options };
  const raw = observations.map((x) => Math.log1p(x.engagements));
  const platformMean = raw.length ? raw.reduce((a, b) => a + b, 0) / raw.length : 0;
  const y = raw.map((v) => v - platformMean);
  const slot = observations.map((x) => slotIndex(x.day_of_week, x.hour));
  const s2 = noiseVariance(y, slot, o);
  return posterior(groupSums(y, slot, SLOT_COUNT), s2, defaults, o, prior, {
    platformMean,
    sampleSize: observations.length,
  });
}

/** The GP posterior of every slot given per-slot sums and counts of centred outcomes. */
function posterior(
  { sum, n }: { sum: number[]; n: number[] },
  s2: number,
  defaults: ReadonlySet<number>,
  o: ModelOptions,
  prior: SlotPrior | undefined,
  meta: { platformMean: number; sampleSize: number },
): SlotModel {
  const share = prior ? prior.share ?? o.populationShare : 1;
  const k = kernel(o, share);
  // The defaults' head start holds only while nothing is known: once there are posts, an untried
  // default is as good as what its neighbours show.
  const bonus = meta.sampleSize === 0 ? o.defaultBonus : 0;
  const priorMean = (s: number) => prior ? prior.mean[s] : defaults.has(s) ? bonus : 0;
  const extra = (s: number) => prior ? prior.variance[s] : 0;
  const seen = [...n.keys()].filter((s) => n[s] > 0);
  const m = seen.length;
  const a = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) a[i * m + j] = a[j * m + i] = k(seen[i], seen[j]);
    a[i * m + i] += extra(seen[i]) + s2 / n[seen[i]];
  }
  const l = cholesky(a, m);
  const alpha = backward(
    l,
    m,
    forward(l, m, Float64Array.from(seen, (s) => sum[s] / n[s] - priorMean(s))),
  );
  const slots: SlotPosterior[] = [];
  // cross[s * m + i]: covariance of slot s with observed slot i (kept for joint draws).
  const cross = new Float64Array(SLOT_COUNT * m);
  /** A slot's posterior variance: a triangular solve (m^2), so it is computed when first read (the
   * policy reads it for the chosen slots only). */
  const varianceOf = (s: number) => {
    const v = forward(l, m, cross.slice(s * m, s * m + m));
    let variance = k(s, s) + extra(s);
    for (let i = 0; i < m; i++) variance -= v[i] * v[i];
    return Math.max(variance, 1e-6);
  };
  for (let s = 0; s < SLOT_COUNT; s++) {
    let mean = priorMean(s);
    for (let i = 0; i < m; i++) {
      cross[s * m + i] = k(s, seen[i]) + (seen[i] === s ? extra(s) : 0);
      mean += cross[s * m + i] * alpha[i];
    }
    let variance: number | undefined;
    const slot = { ...slotOf(s), n: n[s], mean } as SlotPosterior;
    Object.defineProperty(slot, "variance", {
      enumerable: true,
      get: () => variance ??= varianceOf(s),
    });
    slots.push(slot);
  }
  const hourRoot = hourCholesky(o);
  /** A draw from the prior, then moved by the data (pathwise conditioning: f + K (K + D)^-1 (y -
   * f(O) - noise)), so a joint draw costs a triangular solve, not a 168 x 168 factorisation. */
  const sample = (random: Random): number[] => {
    const profile = (variance: number) => {
      const z = Array.from({ length: HOURS }, () => standardNormal(random));
      return Array.from({ length: HOURS }, (_, h) => {
        let x = 0;
        for (let j = 0; j <= h; j++) x += hourRoot[h * HOURS + j] * z[j];
        return Math.sqrt(variance) * x;
      });
    };
    const level = Math.sqrt(o.levelVariance) * standardNormal(random);
    const hours = profile(share * o.hourVariance);
    const days = Array.from({ length: DAYS }, () => ({
      effect: Math.sqrt(share * o.dayVariance) * standardNormal(random),
      hours: profile(share * o.dayHourVariance),
    }));
    const f = Array.from({ length: SLOT_COUNT }, (_, s) => {
      const d = days[Math.floor(s / HOURS)];
      const h = s % HOURS;
      return priorMean(s) + level + hours[h] + d.effect + d.hours[h] +
        Math.sqrt(extra(s)) * standardNormal(random);
    });
    const residual = Float64Array.from(
      seen,
      (s) => sum[s] / n[s] - f[s] - Math.sqrt(s2 / n[s]) * standardNormal(random),
    );
    const beta = backward(l, m, forward(l, m, residual));
    return f.map((x, s) => {
      let y = x;
      for (let i = 0; i < m; i++) y += cross[s * m + i] * beta[i];
      return y;
    });
  };
  const slotVariance = k(0, 0) - o.levelVariance;
  return {
    platformMean: meta.platformMean,
    noiseVariance: s2,
    slots,
    sampleSize: meta.sampleSize,
    priorWeight: s2 / slotVariance,
    priorVariance: k(0, 0),
    sample,
  };
}

/** Cholesky factor of the 24 x 24 hour kernel (unit variance), for drawing hour profiles. */
function hourCholesky(o: ModelOptions): Float64Array {
  const near = nearness(o);
  const a = new Float64Array(HOURS * HOURS);
  for (let i = 0; i < HOURS; i++) {
    for (let j = 0; j < HOURS; j++) a[i * HOURS + j] = near[Math.abs(i - j)] + (i === j ? 1e-6 : 0);
  }
  return cholesky(a, HOURS);
}

/**
 * The population's posterior of every slot from several platforms' observations (each platform with
 * its own level, so audiences of different sizes pool), as a prior for each of them.
 */
export function fitPopulation(
  groups: Observation[][],
  defaults: ReadonlySet<number>,
  options: Partial<ModelOptions> = {},
): SlotPrior | undefined {
  const o = { ...DEFAULT_MODEL_OPTIONS, ...options };
  const members = groups.filter((g) => g.length > 0).map((observations) => ({
    raw: observations.map((x) => Math.log1p(x.engagements)),
    slot: observations.map((x) => slotIndex(x.day_of_week, x.hour)),
  }));
  if (members.length === 0) return undefined;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  // Each platform's level (its audience's size) and the shared slot values are fitted in turn: a
  // platform that posted only at good times has a lower level than the mean of its posts says.
  let levels = members.map((m) => mean(m.raw));
  let model: SlotModel | undefined;
  for (let sweep = 0; sweep < Math.max(1, o.populationSweeps); sweep++) {
    const y: number[] = [];
    const slot: number[] = [];
    members.forEach((m, c) =>
      m.raw.forEach((v, i) => {
        y.push(v - levels[c]);
        slot.push(m.slot[i]);
      })
    );
    model = posterior(
      groupSums(y, slot, SLOT_COUNT),
      noiseVariance(y, slot, o),
      defaults,
      o,
      undefined,
      {
        platformMean: 0,
        sampleSize: y.length,
      },
    );
    const fitted = model.slots;
    levels = members.map((m, c) =>
      levels[c] + mean(m.raw.map((v, i) => v - levels[c] - fitted[m.slot[i]].mean))
    );
  }
  model = model!;
  // The uncertainty every slot shares (the population's level) says nothing about which slot is
  // better: only what a slot has beyond it is passed on.
  const shared = Math.min(...model.slots.map((s) => s.variance));
  return {
    mean: model.slots.map((s) => s.mean),
    variance: model.slots.map((s) => s.variance - shared),
  };
}
