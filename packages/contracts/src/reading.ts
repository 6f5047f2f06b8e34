import { z } from 'zod';
import { MEASUREMENTS, MeasurementCode, MeasurementSpec, isMeasurementCode, normaliseValue } from './measurements';

/**
 * The reading: what one device message says, and what the system keeps of it.
 *
 * Wire format (JSON, UTF-8, one reading per MQTT message), version 1:
 *
 *   { "v": 1, "deviceId": "bed-12-monitor", "seq": 1731, "ts": 1795000000000,
 *     "measurements": { "heart_rate": { "value": 88, "unit": "/min" },
 *                       "spo2": { "value": 95, "unit": "%" } } }
 *
 * - `seq` is the device's own counter: strictly increasing across the device's life, including
 *   restarts; (deviceId, seq) identifies a reading everywhere in the system.
 * - `ts` is the device's clock when it measured, in milliseconds since the Unix epoch (UTC).
 * - every measurement names its unit, which must be the catalogue's unit for that code.
 */
export const READING_WIRE_VERSION = 1;

/** The largest device message accepted, in bytes. A full reading is well under 1 KiB. */
export const MAX_READING_BYTES = 16 * 1024;

/** Device and patient ids: safe in MQTT topic levels, URLs, file names and log lines. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const id = (what: string) =>
  z.string().regex(ID_PATTERN, `${what} must be 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit`);

const measurementSchema = z.strictObject({
  value: z.number().finite(),
  unit: z.string().max(32),
});

export const deviceMessageSchema = z.strictObject({
  v: z.literal(READING_WIRE_VERSION),
  deviceId: id('deviceId'),
  seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  ts: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  measurements: z
    .record(z.string().max(64), measurementSchema)
    .superRefine((measurements, ctx) => {
      const codes = Object.keys(measurements);
      if (codes.length === 0) ctx.addIssue({ code: 'custom', message: 'at least one measurement is required' });
      for (const code of codes) {
        if (!isMeasurementCode(code)) {
          ctx.addIssue({ code: 'custom', path: [code], message: `unknown measurement "${code.slice(0, 64)}"` });
          continue;
        }
        const spec: MeasurementSpec = MEASUREMENTS[code];
        const { value, unit } = measurements[code]!;
        if (unit !== spec.unit) {
          ctx.addIssue({ code: 'custom', path: [code, 'unit'], message: `unit must be "${spec.unit}"` });
        }
        if (value < spec.min || value > spec.max) {
          ctx.addIssue({ code: 'custom', path: [code, 'value'], message: `must be within ${spec.min}..${spec.max} ${spec.unit}` });
        }
        if (spec.integer && !Number.isInteger(value)) {
          ctx.addIssue({ code: 'custom', path: [code, 'value'], message: 'must be a whole number' });
        }
      }
    }),
});

export type DeviceMessage = z.infer<typeof deviceMessageSchema>;

/** A measurement value in the catalogue's unit, normalised to the precision that is hashed. */
export type Measurements = Partial<Record<MeasurementCode, number>>;

/**
 * A reading as ingest stored it and as it travels on the bus: the device's message, mapped to its
 * patient, with the random salt that hides it inside a Merkle leaf.
 */
export interface Reading {
  readonly deviceId: string;
  readonly seq: number;
  readonly patientId: string;
  /** device clock, ms since epoch */
  readonly deviceTime: number;
  /** ingest's clock when the message was accepted, ms since epoch */
  readonly receivedAt: number;
  readonly measurements: Measurements;
  /** 32 random bytes, 0x-prefixed hex; drawn once, when the reading is first stored */
  readonly salt: string;
  /**
   * true when the device measured it longer before it arrived than ingest's lateness allows
   * (buffered data after an outage); absent otherwise. Not part of the Merkle leaf.
   */
  readonly late?: boolean;
}

/** The one id of a reading across the system and its APIs. */
export function readingId(deviceId: string, seq: number): string {
  return `${deviceId}:${seq}`;
}

export function parseReadingId(value: string): { deviceId: string; seq: number } | undefined {
  const at = value.lastIndexOf(':');
  if (at <= 0) return undefined;
  const deviceId = value.slice(0, at);
  const seqText = value.slice(at + 1);
  if (!ID_PATTERN.test(deviceId) || !/^\d{1,16}$/.test(seqText)) return undefined;
  const seq = Number(seqText);
  return Number.isSafeInteger(seq) ? { deviceId, seq } : undefined;
}

/** The measurements of a validated message as the system keeps them: catalogue units, fixed precision. */
export function normaliseMeasurements(message: DeviceMessage): Measurements {
  const out: Measurements = {};
  for (const code of Object.keys(message.measurements).sort()) {
    if (isMeasurementCode(code)) out[code] = normaliseValue(message.measurements[code]!.value);
  }
  return out;
}
