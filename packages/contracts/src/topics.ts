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
  /** Commands to a device (configuration, time sync); the only topic a device may subscribe to. */
  commands: (deviceId: string) => `${MQTT_TOPIC_ROOT}/devices/${deviceId}/commands`,
  /**
   * A device's connection state: `online` (retained) when it connects, `offline` as its last will
   * ([MQTT-3.1.2-8]) so an external broker tells ingest when a device vanished.
   */
  status: (deviceId: string) => `${MQTT_TOPIC_ROOT}/devices/${deviceId}/status`,
  statusFilter: `${MQTT_TOPIC_ROOT}/devices/+/status`,
  /** Alerts for consoles that subscribe, one topic per patient. */
  alerts: (patientId: string) => `${MQTT_TOPIC_ROOT}/alerts/${patientId}`,
  alertsFilter: `${MQTT_TOPIC_ROOT}/alerts/#`,
  /** An ambulance unit publishes its position and status here. */
  unitStatus: (unitId: string) => `${MQTT_TOPIC_ROOT}/units/${unitId}/status`,
  unitStatusFilter: `${MQTT_TOPIC_ROOT}/units/+/status`,
  /** Dispatch orders to one ambulance unit; the only topic a unit may subscribe to. */
  unitDispatch: (unitId: string) => `${MQTT_TOPIC_ROOT}/units/${unitId}/dispatch`,
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
  /** Device liveness changes (online, offline, silent), keyed by device id. */
  deviceStatus: 'vitals.devicestatus',
} as const;

export type BusTopic = (typeof busTopics)[keyof typeof busTopics];
