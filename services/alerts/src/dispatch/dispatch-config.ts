import { RoadGraph, demoCity } from '@pulseproof/contracts';
import { DispatchConfigError } from './dispatch-errors';

/** What `AlertsModule.forRoot({ dispatch })` takes; every field has a default. */
export interface DispatchOptions {
  /** false: no dispatcher even when the app passes `mqtt`; default true */
  readonly enabled?: boolean;
  /** which alert events dispatch an ambulance for a patient outside hospital */
  readonly trigger?: {
    /** AlertEvent.type; default 'news2' */
    readonly alertType?: string;
    /** the event's score must be at least this; default 7 (NEWS2 high clinical risk, RCP 2017 Chart 4) */
    readonly minScore?: number;
  };
  /** a unit must acknowledge an order within this many ms, or the next unit is asked; default 30000 */
  readonly ackTimeoutMs?: number;
  /** a unit that has not reported for this long is not offered orders; default 120000 */
  readonly unitStaleMs?: number;
  /** a home address farther than this from any road is refused (HTTP 400); default 5000 m */
  readonly maxRoadDistanceM?: number;
  /** the roads; default the generated demo city of @pulseproof/contracts (demoCity) */
  readonly graph?: RoadGraph;
  /** ms since epoch; default Date.now (timers still run on real time) */
  readonly clock?: () => number;
}

export interface ResolvedDispatchOptions {
  readonly dataDir: string;
  readonly trigger: { readonly alertType: string; readonly minScore: number };
  readonly ackTimeoutMs: number;
  readonly unitStaleMs: number;
  readonly maxRoadDistanceM: number;
  readonly graph: RoadGraph;
  readonly clock: () => number;
}

export const DISPATCH_OPTIONS = Symbol('DISPATCH_OPTIONS');

export const DISPATCH_DEFAULTS = Object.freeze({
  alertType: 'news2',
  minScore: 7,
  ackTimeoutMs: 30_000,
  unitStaleMs: 120_000,
  maxRoadDistanceM: 5_000,
});

export function resolveDispatchOptions(dataDir: string, options: DispatchOptions = {}): ResolvedDispatchOptions {
  const alertType = options.trigger?.alertType ?? DISPATCH_DEFAULTS.alertType;
  if (typeof alertType !== 'string' || alertType.trim() === '') throw new DispatchConfigError('dispatch trigger.alertType must be an alert type such as "news2"');
  const minScore = options.trigger?.minScore ?? DISPATCH_DEFAULTS.minScore;
  if (!Number.isInteger(minScore) || minScore < 0 || minScore > 20) {
    throw new DispatchConfigError(`dispatch trigger.minScore must be a whole number from 0 to 20, got ${minScore}`);
  }
  const ms = (name: string, value: number, min: number) => {
    if (!Number.isSafeInteger(value) || value < min) throw new DispatchConfigError(`dispatch ${name} must be a whole number of ms >= ${min}, got ${value}`);
    return value;
  };
  const maxRoadDistanceM = options.maxRoadDistanceM ?? DISPATCH_DEFAULTS.maxRoadDistanceM;
  if (!(Number.isFinite(maxRoadDistanceM) && maxRoadDistanceM > 0)) {
    throw new DispatchConfigError(`dispatch maxRoadDistanceM must be a positive number of metres, got ${maxRoadDistanceM}`);
  }
  return Object.freeze({
    dataDir,
    trigger: Object.freeze({ alertType, minScore }),
    ackTimeoutMs: ms('ackTimeoutMs', options.ackTimeoutMs ?? DISPATCH_DEFAULTS.ackTimeoutMs, 10),
    unitStaleMs: ms('unitStaleMs', options.unitStaleMs ?? DISPATCH_DEFAULTS.unitStaleMs, 1_000),
    maxRoadDistanceM,
    graph: options.graph ?? demoCity().graph,
    clock: options.clock ?? Date.now,
  });
}
