import type { Panel } from '@grafana/schema';
import { Reading } from '@pulseproof/contracts';
import { InfluxReadingStore } from '../../../services/ingest/src/adapters/influx/influx-reading-store';
import { Influxd, startInfluxd } from '../../../services/ingest/src/testing/influxd';
import { dashboards } from './generate';
import { contentPanels } from './testing';

/**
 * Every query of every generated dashboard, run against a real InfluxDB 1.6 (Debian's influxd)
 * holding readings that ingest's own InfluxDB store wrote: the InfluxQL parses, names what is
 * stored, and answers with data. Grafana's macros are substituted as Grafana would.
 */
interface Series {
  name: string;
  columns: string[];
  values: unknown[][];
  tags?: Record<string, string>;
}
type Answer = { results: { series?: Series[] }[] };

const DATABASE = 'vitals';
const INTERVAL_MS = 30_000;
const NOW = Date.now();
const DEVICES = [
  { deviceId: 'bed-a', patientId: 'patient-a' },
  { deviceId: 'bed-b', patientId: 'patient-b' },
  { deviceId: 'wrist-a', patientId: 'patient-a' },
];
/** every device sends once every 30 s for the last 20 minutes; bed-b's last two are late */
const PER_DEVICE = 40;

let influxd: Influxd;

function readingsOf(device: (typeof DEVICES)[number], d: number): Reading[] {
  return Array.from({ length: PER_DEVICE }, (_, i) => {
    const deviceTime = NOW - (PER_DEVICE - i) * INTERVAL_MS;
    return {
      ...device,
      seq: i + 1,
      deviceTime,
      receivedAt: deviceTime + 150,
      measurements: {
        heart_rate: 70 + d * 10 + i,
        spo2: 97 - d,
        respiratory_rate: 16,
        systolic_bp: 120,
        diastolic_bp: 80,
        temperature: 36.8,
        consciousness: 0,
        supplemental_oxygen: 0,
        battery: 90 - i,
      },
      salt: `0x${(d * 1000 + i + 1).toString(16).padStart(64, '0')}`,
      ...(device.deviceId === 'bed-b' && i >= PER_DEVICE - 2 && { late: true }),
    };
  });
}

beforeAll(async () => {
  influxd = await startInfluxd();
  await influxd.query(`CREATE DATABASE ${DATABASE}`);
  const store = new InfluxReadingStore({ url: influxd.url, api: 'v1', database: DATABASE });
  await Promise.all(DEVICES.flatMap((device, d) => readingsOf(device, d).map((r) => store.insert(r))));
  await store.close();
}, 60_000);

afterAll(async () => {
  await influxd?.stop();
});

/** the query as Grafana sends it for a 1 h range, a 30 s interval and patient-a selected */
function asGrafanaSends(query: string, panel: Panel): string {
  const range = panel.timeFrom ?? '1h';
  return query
    .replaceAll('$timeFilter', `time >= now() - ${range} AND time <= now()`)
    .replaceAll('$__interval_ms', String(INTERVAL_MS))
    .replaceAll('$__interval', `${INTERVAL_MS / 1000}s`)
    .replaceAll('$patient', 'patient-a');
}

async function run(query: string): Promise<Series[]> {
  const answer = (await influxd.query(query, DATABASE)) as Answer;
  return answer.results.flatMap((r) => r.series ?? []);
}

const numbers = (series: Series[], column: string) =>
  series.flatMap((s) => s.values.map((row) => row[s.columns.indexOf(column)])).filter((v): v is number => typeof v === 'number');

describe.each(Object.entries(dashboards()))('%s against InfluxDB 1.6', (_name, dashboard) => {
  const queried = contentPanels(dashboard).filter((p) => p.type !== 'text');

  it.each(queried.map((p) => [p.title!, p] as const))('"%s" answers with stored data', async (_title, panel) => {
    for (const target of panel.targets ?? []) {
      const series = await run(asGrafanaSends(String(target['query']), panel));
      const values = series.flatMap((s) => s.values.flatMap((row) => row.slice(1))).filter((v) => typeof v === 'number');
      expect({ query: target['query'], values: values.length > 0 }).toEqual({ query: target['query'], values: true });
    }
  });

  it('lists the stored patients in its template variables', async () => {
    for (const variable of dashboard.templating?.list ?? []) {
      const series = await run(String(variable.query));
      expect(series.flatMap((s) => s.values.map((row) => row[1]))).toEqual(['patient-a', 'patient-b']);
    }
  });
});

describe('what the panels show', () => {
  const panel = (file: string, title: RegExp) => contentPanels(dashboards()[file]!).find((p) => title.test(p.title ?? ''))!;
  const query = (p: Panel, i = 0) => asGrafanaSends(String(p.targets![i]!['query']), p);

  it('ward overview: one row per patient with the latest heart rate of any of their devices', async () => {
    const series = await run(query(panel('ward-overview.json', /^Latest vitals/)));
    const latest = Object.fromEntries(series.map((s) => [s.tags!['patient_id'], s.values[0]![s.columns.indexOf('HR')]]));
    // patient-a: bed-a (70 + i) and wrist-a (90 + i) send at the same instants; InfluxDB's last() of a tie is either
    expect(Object.keys(latest).sort()).toEqual(['patient-a', 'patient-b']);
    expect(latest['patient-b']).toBe(80 + PER_DEVICE - 1);
    expect([70 + PER_DEVICE - 1, 90 + PER_DEVICE - 1]).toContain(latest['patient-a']);
  });

  it('pipeline health: readings stored in range and late readings count what was written', async () => {
    expect(numbers(await run(query(panel('pipeline-health.json', /^Readings stored in range/))), 'readings')).toEqual([DEVICES.length * PER_DEVICE]);
    expect(numbers(await run(query(panel('pipeline-health.json', /^Late readings in range/))), 'late')).toEqual([2]);
  });

  it('pipeline health: the per-second rate sums back to the readings stored', async () => {
    const perSecond = numbers(await run(query(panel('pipeline-health.json', /^Readings stored per second$/))), 'readings/s');
    const total = perSecond.reduce((sum, r) => sum + (r * INTERVAL_MS) / 1000, 0);
    expect(Math.round(total)).toBe(DEVICES.length * PER_DEVICE);
  });

  it('devices and patients reporting in the last 5 minutes', async () => {
    expect(numbers(await run(query(panel('pipeline-health.json', /^Devices reporting/))), 'devices')).toEqual([DEVICES.length]);
    expect(numbers(await run(query(panel('pipeline-health.json', /^Patients with readings/))), 'patients')).toEqual([2]);
  });

  it('patient detail: min, mean and max of the selected patient only', async () => {
    const series = await run(query(panel('patient-detail.json', /^Heart rate \(min/)));
    const max = Math.max(...numbers(series, 'max'));
    const min = Math.min(...numbers(series, 'min'));
    expect(max).toBe(90 + PER_DEVICE - 1); // wrist-a, patient-a's highest; patient-b's never shows
    expect(min).toBe(70);
  });
});
