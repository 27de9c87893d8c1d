// Seeded pseudo-random numbers (mulberry32): Math.random cannot be seeded, and a scatter, a
// generated network or a failing chaos run must come out the same from the same seed.
// Pure (no Node modules), so the console imports it too.

/** A generator of numbers in [0, 1), the same sequence for the same seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
