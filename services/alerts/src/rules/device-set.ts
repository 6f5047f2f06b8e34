import { AlertPriority } from '@pulseproof/contracts';
import { AlertDecision, NO_DECISION } from '../lifecycle/alert.model';

/**
 * A technical alarm is one alert per patient and type that names every device concerned (one
 * "no data" alert for a patient whose two monitors went quiet, not two), which keeps the alarm load
 * down. Its state: the devices in the condition, each with the time it entered it (ingest's clock
 * or device time, as the triggering message carries it).
 */
export interface DeviceSetState {
  readonly devices: Readonly<Record<string, number>>;
}

export function withDevice(state: DeviceSetState | undefined, deviceId: string, at: number): DeviceSetState {
  const devices = state?.devices ?? {};
  if (deviceId in devices) return state!;
  return { devices: { ...devices, [deviceId]: at } };
}

export function withoutDevice(state: DeviceSetState | undefined, deviceId: string): DeviceSetState | undefined {
  if (!state || !(deviceId in state.devices)) return state;
  const { [deviceId]: _gone, ...devices } = state.devices;
  return Object.keys(devices).length === 0 ? undefined : { devices };
}

/**
 * Raise when the first device enters, update when the set changes, clear when it is empty.
 * `describe` makes the one line from the sorted device ids.
 */
export function deviceSetDecision(
  before: DeviceSetState | undefined,
  after: DeviceSetState | undefined,
  active: boolean,
  priority: AlertPriority,
  describe: (deviceIds: readonly string[]) => string,
): AlertDecision {
  const ids = Object.keys(after?.devices ?? {}).sort();
  const previousIds = Object.keys(before?.devices ?? {}).sort();
  if (ids.length === 0) {
    return active ? { kind: 'clear', summary: `${describe(previousIds)}: resolved`, score: null } : NO_DECISION;
  }
  if (!active) return { kind: 'raise', priority, summary: describe(ids), score: null, deviceIds: ids };
  if (ids.join() === previousIds.join()) return NO_DECISION;
  return { kind: 'update', priority, summary: describe(ids), score: null, deviceIds: ids };
}
