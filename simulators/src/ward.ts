import { SimulatedDevice } from './device';
import { badOption } from './errors';
import { DeviceConnectionOptions, Fleet, connectionOptions, launchFleet } from './fleet';
import { FLEET_DEFAULTS } from './fleet-plan';
import { PatientModel } from './patient-model';
import { WardScenario, planWard } from './ward-scenario';

export interface WardOptions extends DeviceConnectionOptions {
  readonly scenario: WardScenario;
  /** ms between two readings of one device; default: the file's interval, else 1000 */
  readonly intervalMs?: number;
  /** false: readings only on publishNow() (tests); default true */
  readonly autoPublish?: boolean;
}

/** Connects every device of a ward scenario and starts its timeline (time 0 = now). */
export async function startWard(options: WardOptions): Promise<Fleet> {
  if (typeof options.brokerUrl !== 'string' || options.brokerUrl.trim() === '') {
    throw badOption('brokerUrl is required, e.g. mqtt://127.0.0.1:1883');
  }
  const members = planWard(options.scenario);
  const clock = options.clock ?? Date.now;
  const startedAt = clock();
  const devices = members.map(
    (member) =>
      new SimulatedDevice({
        ...connectionOptions(options),
        deviceId: member.deviceId,
        kind: member.kind,
        timeline: member.timeline,
        seed: `${options.scenario.seed}:device:${member.deviceId}`,
        model: new PatientModel({ seed: member.modelSeed, timeline: member.timeline, circadian: { originMs: startedAt } }),
        clock,
        startedAt,
      }),
  );
  const intervalMs = options.intervalMs ?? options.scenario.intervalMs ?? FLEET_DEFAULTS.intervalMs;
  return launchFleet(members, devices, options.brokerUrl, options.autoPublish === false ? undefined : intervalMs);
}
