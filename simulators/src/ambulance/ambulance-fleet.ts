import { demoCity } from '@pulseproof/contracts';
import type { DeviceTlsOptions } from '../device';
import { badOption } from '../errors';
import { AmbulanceMember, AmbulancePlanOptions, planAmbulances } from './ambulance-plan';
import { AmbulanceStats, AmbulanceUnitOptions, SimulatedAmbulance } from './ambulance-unit';

/** A simulated ambulance fleet on the demo city's roads (contracts demoCity), one MQTT client per unit. */
export interface AmbulanceFleetOptions extends AmbulancePlanOptions {
  /** e.g. mqtt://127.0.0.1:1883 */
  readonly brokerUrl: string;
  /** MQTT credentials per unit (the unit's principal: user name = unit id); none: connect without */
  readonly credentials?: (unitId: string) => { readonly username: string; readonly password: string } | undefined;
  readonly tls?: DeviceTlsOptions;
  /** simulated time runs this many times faster (driving, turnout, on scene); default 1 */
  readonly speed?: number;
  readonly reportIntervalMs?: number;
  readonly tickMs?: number;
  readonly turnoutMs?: number;
  readonly onSceneMs?: number;
  /** unit ids that never acknowledge an order */
  readonly silentUnits?: readonly string[];
  readonly connectTimeoutMs?: number;
}

export interface AmbulanceFleet {
  readonly members: readonly AmbulanceMember[];
  stats(): AmbulanceStats[];
  /** disconnects every unit; safe to call twice */
  stop(): Promise<void>;
}

export async function startAmbulances(options: AmbulanceFleetOptions): Promise<AmbulanceFleet> {
  if (typeof options.brokerUrl !== 'string' || options.brokerUrl.trim() === '') {
    throw badOption('brokerUrl is required, e.g. mqtt://127.0.0.1:1883');
  }
  if (options.speed !== undefined && !(options.speed > 0 && Number.isFinite(options.speed))) {
    throw badOption(`speed must be a number > 0 (got ${options.speed})`);
  }
  const members = planAmbulances(options);
  const { graph } = demoCity();
  const units = members.map((member) => {
    const credentials = options.credentials?.(member.unitId);
    const unitOptions: AmbulanceUnitOptions = {
      brokerUrl: options.brokerUrl,
      unitId: member.unitId,
      station: member.station,
      graph,
      ...(credentials ? { username: credentials.username, password: credentials.password } : {}),
      ...pick(options, ['tls', 'speed', 'reportIntervalMs', 'tickMs', 'turnoutMs', 'onSceneMs', 'connectTimeoutMs']),
      silent: options.silentUnits?.includes(member.unitId) ?? false,
    };
    return new SimulatedAmbulance(unitOptions);
  });
  const results = await Promise.allSettled(units.map((unit) => unit.start()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(units.map((unit) => unit.stop()));
    throw failed.reason;
  }
  let stopping: Promise<void> | undefined;
  return {
    members,
    stats: () => units.map((unit) => unit.stats()),
    stop: () => (stopping ??= Promise.all(units.map((unit) => unit.stop())).then(() => undefined)),
  };
}

function pick<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
}
