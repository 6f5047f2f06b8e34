import { SeededRandom, hashSeed } from './random';

const draws = (random: SeededRandom, n: number, draw: (r: SeededRandom) => number) =>
  Array.from({ length: n }, () => draw(random));

describe('SeededRandom', () => {
  it('replays the same numbers from the same seed, numeric or text', () => {
    expect(draws(new SeededRandom(42), 100, (r) => r.next())).toEqual(draws(new SeededRandom(42), 100, (r) => r.next()));
    expect(draws(new SeededRandom('ward-7'), 100, (r) => r.gaussian())).toEqual(
      draws(new SeededRandom('ward-7'), 100, (r) => r.gaussian()),
    );
    expect(draws(new SeededRandom(42), 10, (r) => r.next())).not.toEqual(draws(new SeededRandom(43), 10, (r) => r.next()));
  });

  it('draws uniforms in [0, 1) and standard normals', () => {
    const random = new SeededRandom(7);
    const uniforms = draws(random, 20_000, (r) => r.next());
    expect(Math.min(...uniforms)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...uniforms)).toBeLessThan(1);
    const normals = draws(random, 20_000, (r) => r.gaussian());
    const mean = normals.reduce((a, b) => a + b, 0) / normals.length;
    const variance = normals.reduce((a, b) => a + (b - mean) ** 2, 0) / normals.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(Math.sqrt(variance) - 1)).toBeLessThan(0.03);
  });

  it('derives independent streams that do not depend on draws already made', () => {
    const fresh = new SeededRandom(5).derive('patient-1');
    const used = new SeededRandom(5);
    draws(used, 50, (r) => r.next());
    expect(draws(used.derive('patient-1'), 20, (r) => r.next())).toEqual(draws(fresh, 20, (r) => r.next()));
    expect(draws(new SeededRandom(5).derive('patient-2'), 20, (r) => r.next())).not.toEqual(
      draws(new SeededRandom(5).derive('patient-1'), 20, (r) => r.next()),
    );
  });

  it('keeps whole-number draws within bounds', () => {
    const random = new SeededRandom(3);
    const values = new Set(draws(random, 1000, (r) => r.below(4)));
    expect([...values].sort()).toEqual([0, 1, 2, 3]);
    expect(hashSeed('a')).not.toBe(hashSeed('b'));
  });
});
