import { DeviceStats, DeviceTlsOptions, SimulatedDevice } from './device';
import { badOption } from './errors';
import { FleetMember, FleetPlanOptions, planFleet, resolveFleetPlanOptions } from './fleet-plan';
import { PatientModel } from './patient-model';

/**
 * A simulated ward: one bedside monitor per patient, all connected to one MQTT broker.
 * Register the devices (planFleet) with PulseProof's ingest before starting them, or ingest will
 * dead-letter their readings as unknown devices.
 */
export interface FleetOptions extends FleetPlanOptions {
  /** e.g. mqtt://127.0.0.1:1883 */
  readonly brokerUrl: string;
  readonly username?: string;
  readonly password?: string;
  /** false: no timers, readings only on publishNow() (tests that step a fake clock); default true */
  readonly autoPublish?: boolean;
  /** the devices' clock, ms since epoch; default Date.now */
  readonly clock?: () => number;
  /** give up on the first connection after this long, ms; default 5000 */
  readonly connectTimeoutMs?: number;
  /** wait between reconnection attempts, ms; default 1000 */
  readonly reconnectPeriodMs?: number;
  /** simulated time runs this many times faster than the clock; readings still go every intervalMs; default 1 */
  readonly speed?: number;
  /** default 1 */
  readonly qos?: 0 | 1;
  readonly tls?: DeviceTlsOptions;
}

/** What every device of a fleet shares: the connection and the pace. */
export type DeviceConnectionOptions = Pick<
  FleetOptions,
  'brokerUrl' | 'username' | 'password' | 'clock' | 'connectTimeoutMs' | 'reconnectPeriodMs' | 'speed' | 'qos' | 'tls'
>;

export function connectionOptions(options: DeviceConnectionOptions) {
  return {
    brokerUrl: options.brokerUrl,
    username: options.username,
    password: options.password,
    connectTimeoutMs: options.connectTimeoutMs,
    reconnectPeriodMs: options.reconnectPeriodMs,
    speed: options.speed,
    qos: options.qos,
    tls: options.tls,
  };
}

export interface FleetTotals {
  readonly sent: number;
  readonly acked: number;
  readonly errors: number;
  readonly inFlight: number;
  /** devices whose MQTT connection is up */
  readonly connected: number;
}

export interface FleetStats extends FleetTotals {
  readonly devices: readonly DeviceStats[];
}

export interface Fleet {
  readonly members: readonly FleetMember[];
  readonly brokerUrl: string;
  stats(): FleetStats;
  /** One reading from every device now; resolves when each is acknowledged or has failed. */
  publishNow(): Promise<void>;
  /**
   * Stops the timers, waits up to timeoutMs (default 5000) for readings in flight to be
   * acknowledged, disconnects every device and returns the final stats. Safe to call twice.
   */
  stop(options?: { timeoutMs?: number }): Promise<FleetStats>;
}

/** Devices connect in groups of this many, so a large fleet does not open every socket at once. */
const CONNECT_CONCURRENCY = 50;

/** Connects every device of the plan and, unless autoPublish is false, starts their timers. */
export async function startFleet(options: FleetOptions): Promise<Fleet> {
  if (typeof options.brokerUrl !== 'string' || options.brokerUrl.trim() === '') {
    throw badOption('brokerUrl is required, e.g. mqtt://127.0.0.1:1883');
  }
  const resolved = resolveFleetPlanOptions(options);
  const members = planFleet(options);
  const clock = options.clock ?? Date.now;
  const startedAt = clock();
  const devices = members.map(
    (member) =>
      new SimulatedDevice({
        deviceId: member.deviceId,
        model: new PatientModel({
          seed: member.modelSeed,
          circadian: { originMs: startedAt },
          ...(member.deteriorates
            ? {
                deterioration: {
                  profile: 'sepsis-like',
                  onsetMs: resolved.deteriorationOnsetMs,
                  deteriorationMinutes: resolved.deteriorationMinutes,
                },
              }
            : {}),
        }),
        ...connectionOptions(options),
        clock,
        startedAt,
      }),
  );
  return launchFleet(members, devices, options.brokerUrl, options.autoPublish !== false ? resolved.intervalMs : undefined);
}

/**
 * Connects the devices in groups and, when intervalMs is given, starts their timers. On a failed
 * connection every device is stopped and the error thrown.
 */
export async function launchFleet(
  members: readonly FleetMember[],
  devices: readonly SimulatedDevice[],
  brokerUrl: string,
  intervalMs: number | undefined,
): Promise<Fleet> {

  for (let i = 0; i < devices.length; i += CONNECT_CONCURRENCY) {
    const group = devices.slice(i, i + CONNECT_CONCURRENCY);
    const results = await Promise.allSettled(group.map((device) => device.connect()));
    const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) {
      await Promise.all(devices.map((device) => device.stop(0)));
      throw failed.reason;
    }
  }

  if (intervalMs !== undefined) {
    // Spread first readings evenly over one interval so the devices do not publish in the same ms.
    devices.forEach((device, i) => device.startPublishing(intervalMs, (i * intervalMs) / devices.length));
  }
  return new RunningFleet(members, brokerUrl, devices);
}

class RunningFleet implements Fleet {
  private stopping: Promise<FleetStats> | undefined;

  constructor(
    readonly members: readonly FleetMember[],
    readonly brokerUrl: string,
    private readonly devices: readonly SimulatedDevice[],
  ) {}

  stats(): FleetStats {
    const devices = this.devices.map((device) => device.stats());
    return { ...totals(devices), devices };
  }

  async publishNow(): Promise<void> {
    if (this.stopping) throw new Error('the fleet is stopped');
    await Promise.all(this.devices.map((device) => device.publishReading()));
  }

  stop(options: { timeoutMs?: number } = {}): Promise<FleetStats> {
    this.stopping ??= (async () => {
      for (const device of this.devices) device.stopPublishing();
      await Promise.all(this.devices.map((device) => device.stop(options.timeoutMs ?? 5000)));
      return this.stats();
    })();
    return this.stopping;
  }
}

export function totals(devices: readonly DeviceStats[]): FleetTotals {
  let sent = 0;
  let acked = 0;
  let errors = 0;
  let inFlight = 0;
  let connected = 0;
  for (const device of devices) {
    sent += device.sent;
    acked += device.acked;
    errors += device.errors;
    inFlight += device.inFlight;
    if (device.connected) connected += 1;
  }
  return { sent, acked, errors, inFlight, connected };
}
