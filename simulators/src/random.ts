/**
 * A small seeded pseudo-random generator, so that a fleet started with the same seed plays the
 * same patients again (reproducible demos, reproducible test failures).
 *
 * The generator is mulberry32 (Tommy Ettinger, public domain): 32 bits of state, a full period of
 * 2^32, and good enough statistics for simulated physiology. It is not for anything secret.
 */
export class SeededRandom {
  /** The 32-bit seed this generator started from; `derive` keys off it, not off the draws so far. */
  readonly seed: number;
  private state: number;
  /** Box-Muller draws two normals at a time; the second waits here for the next call. */
  private spareGaussian: number | undefined;

  constructor(seed: number | string) {
    this.seed = typeof seed === 'number' ? seed >>> 0 : hashSeed(seed);
    this.state = this.seed;
  }

  /** A uniform number in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A uniform number in [min, max). */
  between(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** A uniform whole number in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A standard normal draw (mean 0, standard deviation 1), by the Box-Muller transform. */
  gaussian(): number {
    if (this.spareGaussian !== undefined) {
      const spare = this.spareGaussian;
      this.spareGaussian = undefined;
      return spare;
    }
    // 1 - next() is in (0, 1], so the logarithm is finite.
    const radius = Math.sqrt(-2 * Math.log(1 - this.next()));
    const angle = 2 * Math.PI * this.next();
    this.spareGaussian = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  /**
   * An independent generator for one member of a family (a patient of a fleet), so that adding a
   * patient or drawing more numbers for one never changes what another one plays.
   */
  derive(label: string | number): SeededRandom {
    return new SeededRandom(hashSeed(`${this.seed}:${label}`));
  }
}

/** A 32-bit seed from any string (FNV-1a, then a murmur3 finaliser to spread the bits). */
export function hashSeed(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
