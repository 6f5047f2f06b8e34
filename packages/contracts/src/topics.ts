/**
 * Names of every MQTT topic and bus topic, in one place.
 *
 * MQTT topics are versioned (`pulseproof/v1/...`) so a device fleet can move to a new payload
 * version while the old one is still accepted. Device ids never contain `/`, `+` or `#`
 * ([MQTT-4.7.1]: those are the level separator and wildcards), which the id pattern guarantees.
 */
export const MQTT_TOPIC_ROOT = 'pulseproof/v1';

export const mqttTopics = {
  /** A device (or a gateway on its behalf) publishes its readings here, QoS 1. */
  readings: (deviceId: string) => `${MQTT_TOPIC_ROOT}/devices/${deviceId}/readings`,
  /** What ingest subscribes to: every device's readings. */
  readingsFilter: `${MQTT_TOPIC_ROOT}/devices/+/readings`,
  /** Alerts for consoles that subscribe, one topic per patient. */
  alerts: (patientId: string) => `${MQTT_TOPIC_ROOT}/alerts/${patientId}`,
} as const;

const READINGS_TOPIC = /^pulseproof\/v1\/devices\/([^/+#]+)\/readings$/;

/** The device id in a readings topic, or undefined when the topic is not one. */
export function deviceIdFromReadingsTopic(topic: string): string | undefined {
  return READINGS_TOPIC.exec(topic)?.[1];
}

/** Topics on the bus between services (in-process log in embedded mode, Kafka when distributed). */
export const busTopics = {
  /** Every accepted reading, keyed by patient id so a patient's readings stay in order. */
  readings: 'vitals.readings',
  /** Alerts as they are raised, escalated and cleared, keyed by patient id. */
  alerts: 'vitals.alerts',
  /** Batches as they are anchored, keyed by batch id. */
  anchors: 'vitals.anchors',
  /** Rejected device messages with their coded reason, keyed by device id (or topic). */
  deadLetters: 'vitals.deadletters',
} as const;

export type BusTopic = (typeof busTopics)[keyof typeof busTopics];
