import { DeviceMessage, MEASUREMENTS, READING_WIRE_VERSION } from '@pulseproof/contracts';
import { VITAL_CODES, VitalCode, Vitals } from './patient-model';

/**
 * Decimals a bedside monitor reports for each vital: whole beats, breaths, percent and mm[Hg];
 * temperature to a tenth of a degree. The model's full precision never reaches the wire.
 */
export const SENSOR_DECIMALS: Readonly<Record<VitalCode, number>> = Object.freeze({
  heart_rate: 0,
  spo2: 0,
  respiratory_rate: 0,
  systolic_bp: 0,
  diastolic_bp: 0,
  temperature: 1,
});

export function roundToSensor(code: VitalCode, value: number): number {
  const scale = 10 ** SENSOR_DECIMALS[code];
  return Math.round(value * scale) / scale;
}

/** One reading in wire format version 1 (see contracts' reading.ts), units from the catalogue. */
export function toDeviceMessage(deviceId: string, seq: number, ts: number, vitals: Vitals): DeviceMessage {
  const measurements: DeviceMessage['measurements'] = {};
  for (const code of VITAL_CODES) {
    measurements[code] = { value: roundToSensor(code, vitals[code]), unit: MEASUREMENTS[code].unit };
  }
  return { v: READING_WIRE_VERSION, deviceId, seq, ts, measurements };
}
