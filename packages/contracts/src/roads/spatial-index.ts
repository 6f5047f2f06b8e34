import { LatLon, distanceMetres, offsetMetres } from './geo';

/**
 * Nearest-point queries over a fixed set of points: a uniform grid of cells (bucketing), searched
 * ring by ring outwards from the query's cell until no unsearched cell can hold a closer point.
 * For road nodes a few hundred metres apart this answers in a handful of distance computations.
 */
export class GridIndex {
  private readonly cells = new Map<string, number[]>();
  private readonly cellLat: number;
  private readonly cellLon: number;
  /** a cell's smallest side in metres, what one ring of cells is at least worth in distance */
  private readonly cellMetres: number;
  private readonly bounds: { minR: number; maxR: number; minC: number; maxC: number };

  constructor(
    private readonly points: readonly LatLon[],
    cellMetres = 250,
  ) {
    if (points.length === 0) throw new Error('a spatial index needs at least one point');
    const ref = points[0]!;
    const corner = offsetMetres(ref, cellMetres, cellMetres);
    this.cellLat = corner.lat - ref.lat;
    this.cellLon = corner.lon - ref.lon;
    this.cellMetres = cellMetres;
    let minR = Infinity, maxR = -Infinity, minC = Infinity, maxC = -Infinity;
    points.forEach((p, i) => {
      const r = this.row(p.lat);
      const c = this.col(p.lon);
      minR = Math.min(minR, r); maxR = Math.max(maxR, r); minC = Math.min(minC, c); maxC = Math.max(maxC, c);
      const key = `${r}:${c}`;
      const cell = this.cells.get(key);
      if (cell) cell.push(i);
      else this.cells.set(key, [i]);
    });
    this.bounds = { minR, maxR, minC, maxC };
  }

  /** Index of the point nearest to `p` (ties: the lower index) and its distance in metres. */
  nearest(p: LatLon): { index: number; metres: number } {
    const r0 = this.row(p.lat);
    const c0 = this.col(p.lon);
    const { minR, maxR, minC, maxC } = this.bounds;
    // Far outside the data (a home in another city, a bad fix) rings would be many and empty: scan.
    if (r0 < minR - 2 || r0 > maxR + 2 || c0 < minC - 2 || c0 > maxC + 2) return this.scan(p);
    let best = -1;
    let bestMetres = Infinity;
    const lastRing = Math.max(r0 - minR, maxR - r0, c0 - minC, maxC - c0);
    for (let ring = 0; ring <= lastRing; ring++) {
      // every point in ring k is at least (k - 1) cells away; 0.95: a cell's width in metres shrinks
      // slightly with latitude across the data, so the bound must not overestimate
      if (best >= 0 && (ring - 1) * this.cellMetres * 0.95 > bestMetres) break;
      for (const i of this.ringPoints(r0, c0, ring)) {
        const d = distanceMetres(p, this.points[i]!);
        if (d < bestMetres || (d === bestMetres && i < best)) {
          best = i;
          bestMetres = d;
        }
      }
    }
    return { index: best, metres: bestMetres };
  }

  private scan(p: LatLon): { index: number; metres: number } {
    let index = 0;
    let metres = Infinity;
    this.points.forEach((q, i) => {
      const d = distanceMetres(p, q);
      if (d < metres) {
        index = i;
        metres = d;
      }
    });
    return { index, metres };
  }

  private *ringPoints(r0: number, c0: number, ring: number): Generator<number> {
    for (let r = r0 - ring; r <= r0 + ring; r++) {
      const edgeRow = r === r0 - ring || r === r0 + ring;
      const step = edgeRow || ring === 0 ? 1 : 2 * ring;
      for (let c = c0 - ring; c <= c0 + ring; c += step) {
        const cell = this.cells.get(`${r}:${c}`);
        if (cell) yield* cell;
      }
    }
  }

  private row(lat: number): number {
    return Math.floor(lat / this.cellLat);
  }

  private col(lon: number): number {
    return Math.floor(lon / this.cellLon);
  }
}
