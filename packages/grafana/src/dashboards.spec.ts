import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MEASUREMENT_CODES, Reading } from '@pulseproof/contracts';
import { load } from 'js-yaml';
import type { Dashboard, Panel } from '@grafana/schema';
// The writer itself: what a dashboard may query is what ingest puts in a point.
import { toPoint } from '../../../services/ingest/src/adapters/influx/influx-schema';
import { dashboards } from './generate';
import { PATIENT_VARIABLE } from './dashboards/patient-detail';
import { GRID_COLUMNS } from './to-schema';
import { allPanels, contentPanels, identifiersOf, queriesOf } from './testing';

const INFRA = join(__dirname, '../../../infra/grafana');

/** measurement, tag keys and field keys of the line protocol ingest writes for a reading with every measurement */
function writtenSchema(): { measurement: string; tags: Set<string>; fields: Set<string> } {
  const reading: Reading = {
    deviceId: 'bed-1',
    seq: 7,
    patientId: 'patient-1',
    deviceTime: Date.parse('2026-12-01T10:00:00Z'),
    receivedAt: Date.parse('2026-12-01T10:00:00.200Z'),
    measurements: Object.fromEntries(MEASUREMENT_CODES.map((code) => [code, 1])) as Reading['measurements'],
    salt: `0x${'ab'.repeat(32)}`,
  };
  const line = toPoint(reading).toLineProtocol()!;
  const [seriesKey, fieldSet] = line.split(' ');
  const [measurement, ...tags] = seriesKey!.split(',');
  return {
    measurement: measurement!,
    tags: new Set(tags.map((t) => t.split('=')[0]!)),
    fields: new Set(fieldSet!.split(',').map((f) => f.split('=')[0]!)),
  };
}

const WRITTEN = writtenSchema();

/** why a query would read something PulseProof never writes, or undefined when it reads only what it writes */
function unknownReads(query: string): string | undefined {
  const { measurements, names } = identifiersOf(query);
  if (measurements.length === 0 && !/^SHOW TAG VALUES/.test(query) && !/FROM \(/.test(query)) return 'names no measurement';
  const wrongMeasurement = measurements.find((m) => m !== WRITTEN.measurement);
  if (wrongMeasurement !== undefined) return `reads measurement ${wrongMeasurement}`;
  const unknown = names.find((n) => !WRITTEN.fields.has(n) && !WRITTEN.tags.has(n));
  return unknown === undefined ? undefined : `reads "${unknown}", neither a field nor a tag of ${WRITTEN.measurement}`;
}

const provisionedUid = () => {
  const yaml = load(readFileSync(join(INFRA, 'provisioning/datasources/influxdb.yaml'), 'utf8')) as { datasources: { uid: string; type: string }[] };
  return yaml.datasources[0]!;
};

describe('the query check itself', () => {
  it('knows the readings schema from the writer: measurement, both tags, every measurement code and the bookkeeping fields', () => {
    expect(WRITTEN.measurement).toBe('readings');
    expect([...WRITTEN.tags].sort()).toEqual(['device_id', 'patient_id']);
    for (const code of [...MEASUREMENT_CODES, 'seq', 'received_at', 'late']) expect(WRITTEN.fields).toContain(code);
  });

  it('rejects a query naming a field, a tag or a measurement PulseProof does not write', () => {
    expect(unknownReads('SELECT last("news2") AS "NEWS2" FROM "readings" WHERE $timeFilter')).toMatch(/"news2"/);
    expect(unknownReads('SELECT last("heart_rate") FROM "readings" WHERE "ward" = \'a\' AND $timeFilter')).toMatch(/"ward"/);
    expect(unknownReads('SELECT count("reason") FROM "dead_letters" WHERE $timeFilter')).toMatch(/dead_letters/);
    expect(unknownReads('SELECT last("heart_rate") AS "HR" FROM "readings" WHERE $timeFilter GROUP BY "patient_id"')).toBeUndefined();
  });
});

describe.each(Object.entries(dashboards()))('%s', (name, dashboard: Dashboard) => {
  const panels = contentPanels(dashboard);

  it('has what Grafana needs to provision it: a stable uid, title, schema version, time range and panels', () => {
    expect(dashboard.uid).toMatch(/^pulseproof-[a-z-]+$/);
    expect(dashboard.uid!.length).toBeLessThanOrEqual(40); // Grafana's uid limit
    expect(dashboard.title).toMatch(/^PulseProof/);
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36); // datasource refs by uid (Grafana 9+)
    expect(dashboard.time).toEqual({ from: expect.stringMatching(/^now-/), to: 'now' });
    expect(panels.length).toBeGreaterThan(0);
    expect(JSON.stringify(dashboard)).not.toMatch(/"rows"|"span"|graphite/); // nothing left of the legacy model
  });

  it('gives every panel (rows included) a unique id', () => {
    const ids = allPanels(dashboard).map((p) => p.id);
    expect(ids.every((id) => Number.isInteger(id) && id! > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('places every panel inside the 24 columns without overlapping another', () => {
    const boxes = allPanels(dashboard).map((p) => ({ title: p.title, ...p.gridPos! }));
    for (const b of boxes) {
      expect([b.x, b.y, b.w, b.h].every(Number.isInteger)).toBe(true);
      expect(b.x).toBeGreaterThanOrEqual(0);
      expect(b.y).toBeGreaterThanOrEqual(0);
      expect(b.w).toBeGreaterThanOrEqual(1);
      expect(b.h).toBeGreaterThanOrEqual(1);
      expect(b.x + b.w).toBeLessThanOrEqual(GRID_COLUMNS);
    }
    for (const [i, a] of boxes.entries()) {
      for (const b of boxes.slice(i + 1)) {
        const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
        if (overlap) throw new Error(`"${a.title}" overlaps "${b.title}"`);
      }
    }
  });

  it('points every query panel and target at the provisioned InfluxDB datasource, by uid', () => {
    const { uid, type } = provisionedUid();
    const queried = panels.filter((p) => p.type !== 'text');
    expect(queried.length).toBeGreaterThan(0);
    for (const panel of queried) {
      expect(panel.datasource).toEqual({ type, uid });
      expect(panel.targets?.length).toBeGreaterThan(0);
      for (const target of panel.targets!) expect(target['datasource']).toEqual({ type, uid });
      const refIds = panel.targets!.map((t) => t['refId']);
      expect(new Set(refIds).size).toBe(refIds.length);
    }
    for (const variable of dashboard.templating?.list ?? []) expect(variable.datasource).toEqual({ type, uid });
  });

  it('queries only the measurement, fields and tags ingest writes, as raw InfluxQL within the time range', () => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) {
        expect(target).toMatchObject({ rawQuery: true, resultFormat: expect.stringMatching(/^(time_series|table)$/) });
        const query = String(target['query']);
        expect({ panel: panel.title, problem: unknownReads(query) }).toEqual({ panel: panel.title, problem: undefined });
        expect(query).toContain('$timeFilter'); // never a scan of the whole history
        if (/GROUP BY time\(/.test(query)) expect(query).toContain('GROUP BY time($__interval)');
      }
    }
  });

  it('gives every panel a title and a known panel type', () => {
    for (const panel of panels as Panel[]) {
      expect(panel.title?.length).toBeGreaterThan(0);
      expect(['timeseries', 'stat', 'table', 'text']).toContain(panel.type);
      if (panel.type !== 'text') expect(panel.fieldConfig).toEqual(expect.objectContaining({ defaults: expect.any(Object), overrides: expect.any(Array) }));
    }
  });

  it('is committed as generated', () => {
    expect(JSON.parse(readFileSync(join(INFRA, 'dashboards', name), 'utf8'))).toEqual(JSON.parse(JSON.stringify(dashboard)));
  });
});

describe('patient detail', () => {
  const dashboard = dashboards()['patient-detail.json']!;

  it('has a patient variable listing the patient_id tag values of readings', () => {
    const variable = dashboard.templating?.list?.find((v) => v.name === PATIENT_VARIABLE);
    expect(variable).toMatchObject({ type: 'query', multi: false, includeAll: false, query: 'SHOW TAG VALUES FROM "readings" WITH KEY = "patient_id"' });
  });

  it('filters every query on the selected patient', () => {
    const queries = contentPanels(dashboard).flatMap(queriesOf);
    expect(queries.length).toBeGreaterThan(8);
    for (const query of queries) expect(query).toContain(`"patient_id" = '$${PATIENT_VARIABLE}'`);
  });

  it('downsamples each history to min, mean and max per $__interval, without inventing values for empty intervals', () => {
    const history = contentPanels(dashboard).filter((p) => p.type === 'timeseries' && /min \/ mean \/ max/.test(p.title ?? ''));
    expect(history.map((p) => p.title)).toEqual(expect.arrayContaining([expect.stringMatching(/^Heart rate/), expect.stringMatching(/^SpO2/), expect.stringMatching(/^Blood pressure/)]));
    for (const query of history.flatMap(queriesOf)) {
      expect(query).toMatch(/^SELECT min\("(\w+)"\) AS "[^"]*min", mean\("\1"\) AS "[^"]*mean", max\("\1"\) AS "[^"]*max" FROM/);
      expect(query).toMatch(/GROUP BY time\(\$__interval\) fill\(none\)$/);
    }
  });
});

describe('ward overview', () => {
  const dashboard = dashboards()['ward-overview.json']!;

  it('has one table row per patient with the latest value of each NEWS2 parameter', () => {
    const latest = contentPanels(dashboard).find((p) => p.type === 'table' && /Latest vitals/.test(p.title ?? ''))!;
    const [query] = queriesOf(latest);
    for (const code of ['respiratory_rate', 'spo2', 'supplemental_oxygen', 'systolic_bp', 'heart_rate', 'consciousness', 'temperature']) {
      expect(query).toContain(`last("${code}")`);
    }
    expect(query).toMatch(/GROUP BY "patient_id"$/);
    expect(latest.targets![0]).toMatchObject({ resultFormat: 'table' });
  });

  it('shows device liveness from the time of each device\'s last reading', () => {
    const liveness = contentPanels(dashboard).find((p) => /liveness/i.test(p.title ?? ''))!;
    expect(queriesOf(liveness)[0]).toMatch(/^SELECT last\("seq"\) .* GROUP BY "device_id", "patient_id"$/);
    expect(JSON.stringify(liveness.fieldConfig)).toContain('dateTimeFromNow');
  });
});

describe('pipeline health', () => {
  const dashboard = dashboards()['pipeline-health.json']!;

  it('derives readings stored per second from the count per interval', () => {
    const rate = contentPanels(dashboard).find((p) => p.title === 'Readings stored per second')!;
    expect(queriesOf(rate)[0]).toBe('SELECT count("seq") * 1000 / $__interval_ms AS "readings/s" FROM "readings" WHERE $timeFilter GROUP BY time($__interval) fill(0)');
  });

  it('says where dead letters, anchors and alerts are, since they are not in InfluxDB', () => {
    const note = contentPanels(dashboard).find((p) => p.type === 'text')!;
    const content = String((note.options as { content: string }).content);
    for (const endpoint of ['/api/dead-letters', '/api/anchors', '/api/alerts', '/api/health']) expect(content).toContain(endpoint);
  });
});
