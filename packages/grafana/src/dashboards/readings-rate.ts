import { READINGS } from '../datasource';
import { readingsQuery } from '../influxql';
import { influx, timeSeries } from '../panels';

/** Readings stored per second by each device, over all patients or one (a template variable such as `$patient`). */
export function readingsPerSecondPerDevice(patient?: string): ReturnType<typeof timeSeries> {
  return timeSeries({
    title: 'Readings stored per second, per device',
    span: 6,
    legendCalcs: ['mean', 'lastNotNull'],
    targets: [
      influx('A', readingsQuery({ select: [{ fn: 'count', field: 'seq', as: 'readings/s', perSecond: true }], ...(patient !== undefined && { patient }), interval: '$__interval', groupBy: [READINGS.tags.device], fill: '0' }), {
        alias: '$tag_device_id',
      }),
    ],
    fieldConfig: { defaults: { unit: 'suffix: /s', min: 0 }, overrides: [] },
  });
}
