import { SeededRandom } from './random';

/**
 * What a wrist wearable measures besides the patient's vitals: motion and position. The patient
 * rests mostly, with short bouts of moving about (motion in [g] above gravity, 0.01-0.05 at rest,
 * 0.1-0.6 while walking), and wanders a few metres around their bed (GPS, microdegrees WGS 84).
 */
export interface WearableExtras {
  /** acceleration magnitude above gravity, [g] */
  readonly motion: number;
  readonly gpsLatitude: number;
  readonly gpsLongitude: number;
}

/** Where simulated wards are (a hospital site near London), microdegrees. */
export const DEFAULT_SITE = Object.freeze({ latitude: 51_507_400, longitude: -127_800 });
/** ~1 m in microdegrees of latitude (and of longitude at 51.5° N, roughly 1.44×) */
const METRE_LAT = 9;
const METRE_LON = 14;
const MAX_WANDER_M = 15;

export class WearableModel {
  private readonly random: SeededRandom;
  private readonly bedLat: number;
  private readonly bedLon: number;
  private dx = 0;
  private dy = 0;
  private moving = false;

  constructor(random: SeededRandom, site = DEFAULT_SITE) {
    this.random = random;
    // beds spread over a 100 m × 100 m building
    this.bedLat = site.latitude + Math.round(random.between(-50, 50) * METRE_LAT);
    this.bedLon = site.longitude + Math.round(random.between(-50, 50) * METRE_LON);
  }

  /** dtMs of simulated time later; `still` (arrest, detached sensor) means no movement at all. */
  next(dtMs: number, still: boolean): WearableExtras {
    const steps = Math.min(60, Math.max(1, Math.round(dtMs / 1000)));
    for (let i = 0; i < steps && !still; i++) {
      // a two-state Markov chain: ~5 % of the time walking, bouts of ~20 s
      if (this.moving ? this.random.next() < 0.05 : this.random.next() < 0.0025) this.moving = !this.moving;
      if (this.moving) {
        this.dx = bound(this.dx + this.random.gaussian() * 0.8);
        this.dy = bound(this.dy + this.random.gaussian() * 0.8);
      }
    }
    const motion = still ? 0 : this.moving ? this.random.between(0.1, 0.6) : this.random.between(0.01, 0.05);
    return {
      motion,
      gpsLatitude: this.bedLat + Math.round(this.dy * METRE_LAT),
      gpsLongitude: this.bedLon + Math.round(this.dx * METRE_LON),
    };
  }
}

function bound(metres: number): number {
  return Math.max(-MAX_WANDER_M, Math.min(MAX_WANDER_M, metres));
}
