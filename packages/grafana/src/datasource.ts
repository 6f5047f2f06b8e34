import type { MeasurementCode } from '@pulseproof/contracts';
import type { DataSourceRef } from '@grafana/schema';

/**
 * The one datasource every panel reads: InfluxDB queried with InfluxQL. Provisioned with this uid
 * (provisioning/datasources/influxdb.yaml), so a dashboard finds it whatever its display name.
 */
export const INFLUX_DATASOURCE = Object.freeze({ type: 'influxdb', uid: 'pulseproof-influxdb' } as const satisfies DataSourceRef);

/**
 * What ingest writes to InfluxDB (services/ingest/src/adapters/influx/influx-schema.ts,
 * docs/storage.md "InfluxDB schema"): one point per reading in the `readings` measurement,
 *
 *   readings,device_id=<id>,patient_id=<id> seq=<i>,received_at=<i>,salt="0x..",late=<bool>,<code>=<float>... <ns>
 *
 * Nothing else of PulseProof is in InfluxDB: NEWS2, alerts, dead letters and anchors live in the
 * alerts/anchor stores and on the bus (docs/grafana.md, "What is not in InfluxDB").
 */
export const READINGS = Object.freeze({
  measurement: 'readings',
  tags: Object.freeze({ device: 'device_id', patient: 'patient_id' } as const),
});

/** A field of a `readings` point: a measurement code (always a float) or the reading's bookkeeping. */
export type ReadingField = MeasurementCode | 'seq' | 'received_at' | 'late';
export type ReadingTag = (typeof READINGS.tags)[keyof typeof READINGS.tags];
