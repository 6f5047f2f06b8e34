import { Dashboard, FieldColorModeId, TableCellDisplayMode } from '@grafana/schema';
import { Dashboard as DashGen, Row } from 'grafana-dash-gen';
import { READINGS } from '../datasource';
import { distinctTagCount, readingsQuery } from '../influxql';
import { THRESHOLD_AREAS, influx, stat, table, timeSeries } from '../panels';
import { toSchemaDashboard } from '../to-schema';
import { VITALS, WARD_COLUMNS, vitalField } from './vitals';

export const WARD_OVERVIEW_UID = 'pulseproof-ward-overview';

const PATIENT = 'Patient';
const DEVICE = 'Device';
const LAST_READING = 'Last reading';

/**
 * Every patient with readings in the range: their latest value of each NEWS2 parameter, coloured
 * by the points it scores; every device and when it last sent; the ward's heart rate and SpO2.
 * InfluxDB holds no wards, no NEWS2 total and no device status (docs/grafana.md): the ward is
 * everyone in this InfluxDB, and liveness is read from the time of each device's last reading.
 */
export function wardOverview(): Dashboard {
  const dashboard = new DashGen({ title: 'PulseProof — ward overview', tags: ['pulseproof', 'clinical'], timezone: 'browser', editable: false });

  const latest = readingsQuery({
    select: WARD_COLUMNS.map((v) => ({ fn: 'last', field: v.code, as: v.short })),
    groupBy: [READINGS.tags.patient],
  });
  dashboard.addRow(
    new Row({
      title: 'Latest vitals per patient',
      height: '480px',
      panels: [
        table({
          title: 'Latest vitals (coloured by NEWS2 points: green 0, yellow 1, orange 2, red 3)',
          description: 'Each column is the latest value of that measurement in the time range; a patient whose device stopped sending keeps old values, so read the device table below. SpO2 is coloured on scale 1.',
          span: 12,
          targets: [influx('A', latest, { format: 'table' })],
          // Several selectors in one InfluxQL statement return the range's start as time: not a reading's time.
          transformations: [{ id: 'organize', options: { excludeByName: { Time: true }, renameByName: { [READINGS.tags.patient]: PATIENT } } }],
          sortBy: { displayName: PATIENT },
          fieldConfig: {
            defaults: { custom: { align: 'center', cellOptions: { type: TableCellDisplayMode.ColorBackground } } },
            overrides: [
              ...WARD_COLUMNS.map((v) => ({
                matcher: { id: 'byName', options: v.short },
                properties: Object.entries(vitalField(v)).map(([id, value]) => ({ id, value })),
              })),
              { matcher: { id: 'byName', options: PATIENT }, properties: [{ id: 'custom.cellOptions', value: { type: TableCellDisplayMode.Auto } }] },
            ],
          },
        }),
      ],
    }),
  );

  const lastSeen = readingsQuery({ select: [{ fn: 'last', field: 'seq', as: 'Last seq' }], groupBy: [READINGS.tags.device, READINGS.tags.patient] });
  dashboard.addRow(
    new Row({
      title: 'Devices',
      height: '340px',
      panels: [
        table({
          title: 'Device liveness (longest silent first)',
          description: 'When each device last sent a reading (device time), and its last sequence number.',
          span: 8,
          targets: [influx('A', lastSeen, { format: 'table' })],
          transformations: [{ id: 'organize', options: { renameByName: { Time: LAST_READING, [READINGS.tags.device]: DEVICE, [READINGS.tags.patient]: PATIENT } } }],
          sortBy: { displayName: LAST_READING, desc: false },
          fieldConfig: {
            defaults: {},
            overrides: [{ matcher: { id: 'byName', options: LAST_READING }, properties: [{ id: 'unit', value: 'dateTimeFromNow' }] }],
          },
        }),
        stat({
          title: 'Devices reporting (last 5 min)',
          span: 2,
          timeFrom: '5m',
          targets: [influx('A', distinctTagCount(READINGS.tags.device, 'devices'))],
          fieldConfig: { defaults: { color: { mode: FieldColorModeId.Fixed, fixedColor: 'blue' }, unit: 'none', decimals: 0 }, overrides: [] },
        }),
        stat({
          title: 'Patients with readings (last 5 min)',
          span: 2,
          timeFrom: '5m',
          targets: [influx('A', distinctTagCount(READINGS.tags.patient, 'patients'))],
          fieldConfig: { defaults: { color: { mode: FieldColorModeId.Fixed, fixedColor: 'blue' }, unit: 'none', decimals: 0 }, overrides: [] },
        }),
      ],
    }),
  );

  const trend = (code: 'heart_rate' | 'spo2') =>
    timeSeries({
      title: `${VITALS[code].label} per patient (mean per interval)`,
      span: 6,
      legendCalcs: ['lastNotNull'],
      targets: [
        influx('A', readingsQuery({ select: [{ fn: 'mean', field: code, as: VITALS[code].short }], interval: '$__interval', groupBy: [READINGS.tags.patient], fill: 'none' }), {
          alias: '$tag_patient_id',
        }),
      ],
      fieldConfig: { defaults: { ...vitalField(VITALS[code]), custom: THRESHOLD_AREAS }, overrides: [] },
    });
  dashboard.addRow(new Row({ title: 'Ward trends', height: '300px', panels: [trend('heart_rate'), trend('spo2')] }));

  return toSchemaDashboard(dashboard, {
    uid: WARD_OVERVIEW_UID,
    description: 'Latest vitals of every patient in InfluxDB, coloured by NEWS2 points, and device liveness. Generated by packages/grafana (npm run grafana): edit the code, not this dashboard.',
    refresh: '10s',
    from: 'now-1h',
  });
}
