import type { DeviceRecord } from '../registry/device-registry';
import { ConnectionState, LivenessRecord, ReportedState } from './liveness-store';

export interface LivenessOptions {
  /** a device is silent after `intervalMs × toleranceFactor` without a reading; default 2 */
  readonly toleranceFactor: number;
  /** how often devices are checked for silence, ms; default 5000 */
  readonly checkIntervalMs: number;
}

export const DEFAULT_LIVENESS_OPTIONS: LivenessOptions = Object.freeze({ toleranceFactor: 2, checkIntervalMs: 5_000 });

/** A state to publish: the tracker has already recorded it as reported. */
export interface LivenessChange {
  readonly deviceId: string;
  readonly state: ReportedState;
  readonly previous?: ReportedState;
  readonly at: number;
}

export interface LivenessView {
  readonly deviceId: string;
  /** the patient of the device's open assignment: what the patient-scope filter keeps or drops by */
  readonly patientId?: string;
  readonly state: ReportedState | 'unknown';
  readonly connection?: ConnectionState;
  readonly lastSeenAt?: number;
  readonly intervalMs: number;
  /** when the device counts as silent if nothing arrives before */
  readonly silentAfter: number;
}

type Devices = { device(deviceId: string): DeviceRecord | undefined; list(): DeviceRecord[] };

/**
 * The state machine of device liveness, without I/O. Each device's reported state changes only on
 * evidence: a reading (online), the broker's view of the connection (online/offline, MQTT last
 * will [MQTT-3.1.2-8]), or the absence of readings for longer than the device's interval times the
 * tolerance (silent, once). Silence is counted from the latest of: the last reading, the last
 * (re)connection, the device's registration, and this process's start; the last one keeps a restart
 * after downtime from declaring every device silent before its queued readings arrive.
 */
export class LivenessTracker {
  private readonly records = new Map<string, LivenessRecord>();
  private readonly dirty = new Set<string>();

  constructor(
    private readonly devices: Devices,
    private readonly options: LivenessOptions,
    private readonly startedAt: number,
    persisted: readonly LivenessRecord[] = [],
  ) {
    for (const record of persisted) this.records.set(record.deviceId, { ...record });
  }

  seen(deviceId: string, at: number): LivenessChange | undefined {
    const record = this.record(deviceId);
    if (record.lastSeenAt === undefined || at > record.lastSeenAt) record.lastSeenAt = at;
    this.dirty.add(deviceId);
    return record.reported === 'online' ? undefined : this.report(record, 'online', at);
  }

  connection(deviceId: string, state: ConnectionState, at: number): LivenessChange | undefined {
    if (!this.devices.device(deviceId)) return undefined; // not a device we know (a console, a stray client id)
    const record = this.record(deviceId);
    record.connection = state;
    record.connectionAt = at;
    this.dirty.add(deviceId);
    if (state === 'offline') return record.reported === 'offline' ? undefined : this.report(record, 'offline', at);
    // Connected but silent stays silent until a reading arrives.
    return record.reported === 'online' || record.reported === 'silent' ? undefined : this.report(record, 'online', at);
  }

  sweep(now: number): LivenessChange[] {
    const changes: LivenessChange[] = [];
    for (const device of this.devices.list()) {
      if (device.status !== 'active') continue;
      const record = this.records.get(device.deviceId);
      if (record?.reported === 'silent') continue;
      if (now > this.silentAfter(device, record)) changes.push(this.report(record ?? this.record(device.deviceId), 'silent', now));
    }
    return changes;
  }

  /** Puts a state back after its publication failed, so the next event or sweep tries again. */
  undo(change: LivenessChange): void {
    const record = this.record(change.deviceId);
    if (record.reported !== change.state) return;
    if (change.previous === undefined) delete record.reported;
    else record.reported = change.previous;
  }

  /** Records changed since the last call (for a batched write). */
  takeDirty(): LivenessRecord[] {
    const out = [...this.dirty].map((id) => ({ ...this.records.get(id)! }));
    this.dirty.clear();
    return out;
  }

  lastSeenAt(deviceId: string): number | undefined {
    return this.records.get(deviceId)?.lastSeenAt;
  }

  view(): LivenessView[] {
    return this.devices
      .list()
      .filter((d) => d.status === 'active')
      .map((device) => {
        const r = this.records.get(device.deviceId);
        return {
          deviceId: device.deviceId,
          ...(device.patientId !== undefined && { patientId: device.patientId }),
          state: r?.reported ?? 'unknown',
          ...(r?.connection && { connection: r.connection }),
          ...(r?.lastSeenAt !== undefined && { lastSeenAt: r.lastSeenAt }),
          intervalMs: device.intervalMs,
          silentAfter: this.silentAfter(device, r),
        };
      });
  }

  private silentAfter(device: DeviceRecord, record: LivenessRecord | undefined): number {
    const since = Math.max(
      record?.lastSeenAt ?? -Infinity,
      record?.connection === 'online' ? (record.connectionAt ?? -Infinity) : -Infinity,
      device.registeredAt,
      this.startedAt,
    );
    return since + device.intervalMs * this.options.toleranceFactor;
  }

  private record(deviceId: string): LivenessRecord {
    let record = this.records.get(deviceId);
    if (!record) {
      record = { deviceId };
      this.records.set(deviceId, record);
    }
    return record;
  }

  private report(record: LivenessRecord, state: ReportedState, at: number): LivenessChange {
    const previous = record.reported;
    record.reported = state;
    record.reportedAt = at;
    this.dirty.add(record.deviceId);
    return { deviceId: record.deviceId, state, ...(previous !== undefined && { previous }), at };
  }
}
