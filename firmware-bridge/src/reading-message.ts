import { DeviceMessage, MEASUREMENTS, READING_WIRE_VERSION, deviceMessageSchema, isMeasurementCode } from '@pulseproof/contracts';
import { FrameReading } from './frame';

/**
 * A decoded frame as the device message it stands for (wire format v1 of
 * packages/contracts/src/reading.ts): the bridge publishes exactly what the device would have, with
 * each value in the catalogue's unit, so ingest needs nothing new to accept it.
 *
 * Returns undefined with the schema's first complaint when the reading would be refused anyway
 * (a value outside the catalogue's physical range, a fractional ordinal): such a reading is
 * counted as rejected at the bridge rather than dead-lettered downstream.
 */
export function toDeviceMessage(frame: FrameReading): { message: DeviceMessage } | { problem: string } {
  const measurements: Record<string, { value: number; unit: string }> = {};
  for (const [code, value] of Object.entries(frame.measurements)) {
    if (!isMeasurementCode(code) || value === undefined) continue;
    measurements[code] = { value, unit: MEASUREMENTS[code].unit };
  }
  const result = deviceMessageSchema.safeParse({ v: READING_WIRE_VERSION, deviceId: frame.deviceId, seq: frame.seq, ts: frame.ts, measurements });
  if (result.success) return { message: result.data };
  const issue = result.error.issues[0]!;
  return { problem: `${issue.path.join('.')}: ${issue.message}` };
}
