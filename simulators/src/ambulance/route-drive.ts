import { LatLon, RoadGraph, interpolate, routeTimeline } from '@pulseproof/contracts';

/**
 * A vehicle driving a list of points at the road speeds (contracts routeTimeline: the same
 * timings the dispatcher's ETA comes from), `speed` times faster than real time.
 */
export class RouteDrive {
  private readonly seconds: readonly number[];

  constructor(
    graph: RoadGraph,
    private readonly points: readonly LatLon[],
    private readonly startedAt: number,
    private readonly speed: number,
  ) {
    this.seconds = routeTimeline(graph, points).seconds;
  }

  /** seconds of road time the whole route takes */
  get totalSeconds(): number {
    return this.seconds.at(-1) ?? 0;
  }

  /** Where the vehicle is at real time `now`, and whether it has arrived. */
  at(now: number): { position: LatLon; arrived: boolean } {
    const t = ((now - this.startedAt) / 1000) * this.speed;
    if (t >= this.totalSeconds) return { position: this.points.at(-1)!, arrived: true };
    // the segment being driven: the first point whose time lies ahead
    let i = 1;
    while (i < this.seconds.length - 1 && this.seconds[i]! <= t) i++;
    const start = this.seconds[i - 1]!;
    const span = this.seconds[i]! - start;
    return { position: interpolate(this.points[i - 1]!, this.points[i]!, span > 0 ? (t - start) / span : 1), arrived: false };
  }
}
