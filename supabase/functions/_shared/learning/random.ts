// Injectable randomness: a seeded generator for tests and benchmarks, crypto for production.

/** Uniform in [0, 1). */
export type Random = () => number;

/** mulberry32: small, fast, good enough for sampling posteriors; deterministic per seed. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function cryptoRandom(): Random {
  const buffer = new Uint32Array(1);
  return () => crypto.getRandomValues(buffer)[0] / 4294967296;
}

/** A standard normal draw (Box-Muller). */
export function standardNormal(random: Random): number {
  const u = 1 - random(); // (0, 1]
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
