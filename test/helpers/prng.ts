/** A seeded PRNG (mulberry32) for tests whose random choices must be repeatable from a seed. */

export interface Random {
  /** A number in [0, 1). */
  rand(): number;
  /** An integer in [lo, hi]. */
  randInt(lo: number, hi: number): number;
  /** One element of `a`. */
  pick<T>(a: readonly T[]): T;
}

export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const rand = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    rand,
    randInt: (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1)),
    pick: (a) => a[Math.floor(rand() * a.length)],
  };
}
