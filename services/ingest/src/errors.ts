/**
 * Why ingest refuses a device message: the coded catalogue. Each code is the `reason` of the dead
 * letter written for the message, and the key its counter is kept under.
 */
export const IngestRejection = {
  INGEST_E_TOO_LARGE: 'payload is larger than the limit',
  INGEST_E_NOT_JSON: 'payload is not valid UTF-8 JSON',
  INGEST_E_TOO_DEEP: 'payload nests objects or arrays deeper than the limit',
  INGEST_E_HOSTILE_KEY: 'payload uses a reserved key (__proto__, constructor, prototype)',
  INGEST_E_TOO_LONG: 'a string or key in the payload is longer than the limit',
  INGEST_E_TOO_MANY_MEASUREMENTS: 'payload carries more measurements than the limit',
  INGEST_E_SCHEMA: 'payload does not match the reading schema',
  INGEST_E_UNIT: "a measurement unit is not the catalogue's UCUM code (case-sensitive)",
  INGEST_E_IMPLAUSIBLE: 'a value is physiologically implausible (sensor off or faulty)',
  INGEST_E_DEVICE_MISMATCH: 'deviceId in the payload differs from the device in the topic',
  INGEST_E_UNKNOWN_DEVICE: 'device is not registered to a patient',
  INGEST_E_TIMESTAMP_FUTURE: 'device timestamp is too far in the future',
  INGEST_E_TIMESTAMP_PAST: 'device timestamp is before the earliest accepted time',
  INGEST_E_TIMESTAMP_TOO_OLD: 'device timestamp is older than the maximum age of a reading',
  INGEST_E_SEQUENCE_REPLAYED: 'sequence number was already used for a different reading',
  INGEST_E_NOT_AUTHORISED: 'the signed-in device or gateway may not publish to this topic (topic-acl.ts)',
  INGEST_E_RATE_LIMITED: "the device published faster than its rate limit allows, beyond the time it may be held back",
} as const;

export type IngestRejectionCode = keyof typeof IngestRejection;

export class Rejection {
  constructor(
    readonly code: IngestRejectionCode,
    /** what exactly was wrong, for whoever fixes the device; never measurement values */
    readonly detail: string,
  ) {}
}

/** Thrown at start when the MQTT port cannot be bound; the message says what to do. */
export class MqttPortInUseError extends Error {
  readonly code = 'INGEST_E_MQTT_PORT_IN_USE';
  constructor(readonly port: number) {
    super(`MQTT port ${port} is already in use: stop what holds it, or choose another port, e.g. MQTT_PORT=${port === 1883 ? 1884 : port + 1} npm start`);
  }
}
