import { SeededRandom } from '../random';
import { DeviceScenario, TimelineEvent, isDeviceScenario } from './names';

/**
 * What the device scenarios of a timeline do to a device at a given simulated time. Pure: the
 * device asks `at(elapsedMs)` before each reading.
 *
 * - sensor-detached: the probe is off; the device sends absent or implausible values (below).
 * - battery-drain: the battery falls 10 %/simulated minute from the onset; at 0 the device powers off.
 * - network-flapping: the device drops its connection every FLAP_PERIOD_MS of its clock and is down
 *   for its reconnect period; readings taken meanwhile wait in the MQTT client and are resent (QoS 1).
 * - clock-drift: the device clock gains CLOCK_DRIFT_RATE (2 %: 72 s per simulated hour) from the onset.
 */
export interface DeviceFaultState {
  readonly sensorDetached: boolean;
  /** battery percent; undefined while the device runs on mains and no battery scenario played */
  readonly batteryPercent: number | undefined;
  readonly poweredOff: boolean;
  readonly networkFlapping: boolean;
  /** how far the device clock is ahead of true time, ms */
  readonly clockOffsetMs: number;
}

export const BATTERY_DRAIN_PER_MINUTE = 10;
/** a wearable's normal consumption, percent per simulated hour */
export const BATTERY_IDLE_DRAIN_PER_HOUR = 1;
export const CLOCK_DRIFT_RATE = 0.02;
export const FLAP_PERIOD_MS = 3000;

interface Window {
  readonly scenario: DeviceScenario;
  readonly fromMs: number;
  readonly untilMs: number;
}

export class DeviceFaults {
  private readonly windows: readonly Window[];
  private readonly initialBattery: number | undefined;

  /** battery: true for devices that always report their battery (wearables) */
  constructor(timeline: readonly TimelineEvent[], random: SeededRandom, battery: boolean) {
    this.windows = timeline
      .filter((event): event is TimelineEvent & { scenario: DeviceScenario } => isDeviceScenario(event.scenario))
      .map((event) => ({ scenario: event.scenario, fromMs: event.atMs, untilMs: event.atMs + (event.forMs ?? Infinity) }));
    const drains = this.windows.some((window) => window.scenario === 'battery-drain');
    this.initialBattery = battery || drains ? random.between(70, 100) : undefined;
  }

  at(elapsedMs: number): DeviceFaultState {
    const active = (scenario: DeviceScenario) =>
      this.windows.some((w) => w.scenario === scenario && elapsedMs > w.fromMs && elapsedMs <= w.untilMs);
    let clockOffsetMs = 0;
    let drained = 0;
    for (const w of this.windows) {
      const within = Math.max(0, Math.min(elapsedMs, w.untilMs) - w.fromMs);
      if (w.scenario === 'clock-drift') clockOffsetMs += within * CLOCK_DRIFT_RATE;
      if (w.scenario === 'battery-drain') drained += (within / 60_000) * BATTERY_DRAIN_PER_MINUTE;
    }
    let batteryPercent: number | undefined;
    if (this.initialBattery !== undefined) {
      batteryPercent = Math.max(0, this.initialBattery - (elapsedMs / 3_600_000) * BATTERY_IDLE_DRAIN_PER_HOUR - drained);
    }
    return {
      sensorDetached: active('sensor-detached'),
      batteryPercent,
      poweredOff: batteryPercent !== undefined && batteryPercent <= 0,
      networkFlapping: active('network-flapping'),
      clockOffsetMs: Math.round(clockOffsetMs),
    };
  }
}
