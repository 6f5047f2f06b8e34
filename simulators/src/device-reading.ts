import { DeviceMessage, MEASUREMENTS, MeasurementCode, READING_WIRE_VERSION } from '@pulseproof/contracts';
import { roundToSensor } from './device-message';
import { VITAL_CODES, VitalCode, Vitals } from './patient-model';
import { DeviceFaultState } from './scenarios/device-faults';
import { WearableExtras } from './wearable-model';

/**
 * The two kinds of simulated device and what each puts in a reading (wire format v1):
 * - monitor: bedside monitor, HR, SpO2, RR, systolic/diastolic BP, core temperature (and battery
 *   once a battery scenario plays: it then runs on its battery);
 * - wearable: wrist device, HR, SpO2, skin temperature, motion, GPS position and battery.
 */
export type DeviceKind = 'monitor' | 'wearable';
export const DEVICE_KINDS: readonly DeviceKind[] = Object.freeze(['monitor', 'wearable']);

const WEARABLE_VITALS: readonly VitalCode[] = ['heart_rate', 'spo2'];
/** skin on the wrist runs this far below core temperature */
const SKIN_OFFSET_CEL = 3.3;
/** a detached sensor cools to the room's temperature */
const ROOM_CEL = 24;

export interface ReadingInputs {
  readonly kind: DeviceKind;
  readonly vitals: Vitals;
  /** vitals the patient's state makes unmeasurable (no pulse) */
  readonly unmeasurable: readonly VitalCode[];
  readonly faults: DeviceFaultState;
  /** wearables only */
  readonly extras?: WearableExtras;
}

export function composeReading(deviceId: string, seq: number, ts: number, inputs: ReadingInputs): DeviceMessage {
  const { kind, vitals, faults } = inputs;
  const absent = new Set<VitalCode>(inputs.unmeasurable);
  const values: Partial<Record<MeasurementCode, number>> = {};
  if (faults.sensorDetached) {
    // no optical or ECG signal: no heart rate or SpO2 ...
    absent.add('heart_rate').add('spo2');
  }
  const codes = kind === 'monitor' ? VITAL_CODES : WEARABLE_VITALS;
  for (const code of codes) if (!absent.has(code)) values[code] = roundToSensor(code, vitals[code]);
  // ... and an impedance lead that is off reads as apnoea: an implausible 0 breaths/min
  if (kind === 'monitor' && faults.sensorDetached) values.respiratory_rate = 0;
  if (kind === 'wearable') {
    const skin = faults.sensorDetached ? ROOM_CEL : vitals.temperature - SKIN_OFFSET_CEL;
    values.skin_temperature = Math.round(skin * 10) / 10;
    const extras = inputs.extras;
    if (extras) {
      values.motion = Math.round((faults.sensorDetached ? 0 : extras.motion) * 100) / 100;
      values.gps_latitude = extras.gpsLatitude;
      values.gps_longitude = extras.gpsLongitude;
    }
  }
  if (faults.batteryPercent !== undefined) values.battery = Math.round(faults.batteryPercent);
  const measurements: DeviceMessage['measurements'] = {};
  for (const [code, value] of Object.entries(values) as [MeasurementCode, number][]) {
    measurements[code] = { value, unit: MEASUREMENTS[code].unit };
  }
  return { v: READING_WIRE_VERSION, deviceId, seq, ts, measurements };
}
