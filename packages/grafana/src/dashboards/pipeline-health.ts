import { Dashboard, FieldColorModeId, ThresholdsMode } from '@grafana/schema';
import { Dashboard as DashGen, Row } from 'grafana-dash-gen';
import { READINGS } from '../datasource';
import { distinctTagCount, readingsQuery } from '../influxql';
import { influx, stat, text, timeSeries } from '../panels';
import { toSchemaDashboard } from '../to-schema';
import { readingsPerSecondPerDevice } from './readings-rate';

export const PIPELINE_HEALTH_UID = 'pulseproof-pipeline-health';

/**
 * What InfluxDB can tell about the pipeline: only the `readings` measurement is there, so every
 * panel is derived from stored readings (rate, late readings, devices and patients reporting).
 * Dead letters, anchoring and alerts are not written to InfluxDB; the last row says where they are.
 */
const NOT_IN_INFLUXDB = [
  'PulseProof writes only readings to InfluxDB. The rest of the pipeline is read from its HTTP API (`/api/docs` describes it; sign in with a role allowed to read each):',
  '',
  '| what | where |',
  '| --- | --- |',
  '| dead letters by reason | `GET /api/dead-letters` |',
  '| anchored batches, anchor lag | `GET /api/anchors` |',
  '| alerts, NEWS2 | `GET /api/alerts`, `GET /api/patients/:id` |',
  '| device online state | `GET /api/liveness` |',
  '| every component | `GET /api/health` |',
  '',
  'See docs/grafana.md, "What is not in InfluxDB".',
].join('\n');

const fixed = (fixedColor: string) => ({ mode: FieldColorModeId.Fixed, fixedColor });

export function pipelineHealth(): Dashboard {
  const dashboard = new DashGen({ title: 'PulseProof — pipeline health', tags: ['pulseproof', 'operations'], timezone: 'browser', editable: false });

  dashboard.addRow(
    new Row({
      title: 'Readings stored',
      height: '300px',
      panels: [
        timeSeries({
          title: 'Readings stored per second',
          description: 'Readings per second of device time, counted in InfluxDB per interval. A drop to 0 while devices are on means ingest or InfluxDB stopped storing.',
          span: 8,
          legendCalcs: ['mean', 'max', 'lastNotNull'],
          targets: [influx('A', readingsQuery({ select: [{ fn: 'count', field: 'seq', as: 'readings/s', perSecond: true }], interval: '$__interval', fill: '0' }))],
          fieldConfig: { defaults: { unit: 'suffix: /s', min: 0, color: fixed('green') }, overrides: [] },
        }),
        stat({
          title: 'Readings stored in range',
          span: 2,
          targets: [influx('A', readingsQuery({ select: [{ fn: 'count', field: 'seq', as: 'readings' }] }))],
          fieldConfig: { defaults: { unit: 'short', decimals: 0, color: fixed('blue') }, overrides: [] },
        }),
        stat({
          title: 'Late readings in range',
          description: 'Readings ingest stored with late=true: device time far behind arrival (buffered by the device or the bridge).',
          span: 2,
          targets: [influx('A', readingsQuery({ select: [{ fn: 'count', field: 'seq', as: 'late' }], lateOnly: true }))],
          fieldConfig: { defaults: { unit: 'short', decimals: 0, noValue: '0', color: fixed('orange') }, overrides: [] },
        }),
      ],
    }),
  );

  dashboard.addRow(
    new Row({
      title: 'Per device',
      height: '300px',
      panels: [
        readingsPerSecondPerDevice(),
        timeSeries({
          title: 'Late readings per interval, per device',
          span: 6,
          legendCalcs: ['sum'],
          targets: [
            influx('A', readingsQuery({ select: [{ fn: 'count', field: 'seq', as: 'late' }], lateOnly: true, interval: '$__interval', groupBy: [READINGS.tags.device], fill: 'none' }), {
              alias: '$tag_device_id',
            }),
          ],
          fieldConfig: { defaults: { unit: 'short', min: 0, custom: { drawStyle: 'bars' } }, overrides: [] },
        }),
      ],
    }),
  );

  dashboard.addRow(
    new Row({
      title: 'Reporting now',
      height: '150px',
      panels: [
        stat({
          title: 'Devices reporting (last 5 min)',
          span: 3,
          timeFrom: '5m',
          targets: [influx('A', distinctTagCount(READINGS.tags.device, 'devices'))],
          fieldConfig: { defaults: { unit: 'none', decimals: 0, noValue: '0', color: fixed('blue') }, overrides: [] },
        }),
        stat({
          title: 'Patients with readings (last 5 min)',
          span: 3,
          timeFrom: '5m',
          targets: [influx('A', distinctTagCount(READINGS.tags.patient, 'patients'))],
          fieldConfig: { defaults: { unit: 'none', decimals: 0, noValue: '0', color: fixed('blue') }, overrides: [] },
        }),
        stat({
          title: 'Readings stored (last 1 min)',
          span: 3,
          timeFrom: '1m',
          targets: [influx('A', readingsQuery({ select: [{ fn: 'count', field: 'seq', as: 'readings' }] }))],
          fieldConfig: { defaults: { unit: 'short', decimals: 0, noValue: '0', color: fixed('green') }, overrides: [] },
        }),
        stat({
          title: 'Lowest device battery',
          span: 3,
          calc: 'lastNotNull',
          targets: [influx('A', `SELECT min("battery") AS "lowest battery" FROM (${readingsQuery({ select: [{ fn: 'last', field: 'battery', as: 'battery' }], groupBy: [READINGS.tags.device] })})`)],
          fieldConfig: {
            defaults: { unit: 'percent', decimals: 0, color: { mode: FieldColorModeId.Thresholds }, thresholds: { mode: ThresholdsMode.Absolute, steps: [{ color: 'red', value: null }, { color: 'orange', value: 15 }, { color: 'green', value: 30 }] } },
            overrides: [],
          },
        }),
      ],
    }),
  );

  dashboard.addRow(new Row({ title: 'Not in InfluxDB', height: '260px', panels: [text('Where the rest of the pipeline is', 12, NOT_IN_INFLUXDB)] }));

  return toSchemaDashboard(dashboard, {
    uid: PIPELINE_HEALTH_UID,
    description: 'Readings stored, late readings and devices reporting, derived from the readings measurement (the only one PulseProof writes to InfluxDB). Generated by packages/grafana (npm run grafana).',
    refresh: '10s',
    from: 'now-1h',
  });
}
