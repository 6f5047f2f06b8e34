import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { INFLUX_DATASOURCE } from './datasource';
import { renderFiles, staleFiles, writeFiles } from './generate';
import { CONTAINER_PATHS, DASHBOARD_PROVISIONING, DATASOURCE_PROVISIONING, toYaml } from './provisioning';

const REPO = join(__dirname, '../../..');
const INFRA = join(REPO, 'infra/grafana');
const readYaml = (path: string) => load(readFileSync(join(INFRA, path), 'utf8')) as Record<string, unknown>;

describe('the committed files in infra/grafana', () => {
  it('are exactly what the generator writes (run `npm run grafana` after changing it)', () => {
    expect(staleFiles(INFRA)).toEqual([]);
  });

  it('are reported stale, by path, when one differs or is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pp-grafana-'));
    try {
      writeFiles(dir);
      expect(staleFiles(dir)).toEqual([]);
      writeFileSync(join(dir, 'dashboards/ward-overview.json'), '{}\n');
      rmSync(join(dir, 'provisioning/dashboards/pulseproof.yaml'));
      expect(staleFiles(dir)).toEqual(['dashboards/ward-overview.json', 'provisioning/dashboards/pulseproof.yaml']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('datasource provisioning', () => {
  const file = readYaml('provisioning/datasources/influxdb.yaml');

  it('parses to the typed provisioning object', () => {
    expect(file).toEqual(JSON.parse(JSON.stringify(DATASOURCE_PROVISIONING)));
  });

  it('declares one InfluxQL datasource with the uid the dashboards use, the database and the token from the environment', () => {
    expect(file['apiVersion']).toBe(1);
    const datasources = file['datasources'] as Record<string, unknown>[];
    expect(datasources).toHaveLength(1);
    expect(datasources[0]).toMatchObject({
      uid: INFLUX_DATASOURCE.uid,
      type: 'influxdb',
      access: 'proxy',
      url: '${INFLUX_URL}',
      jsonData: { version: 'InfluxQL', dbName: '${INFLUX_DATABASE}', httpMode: 'POST', httpHeaderName1: 'Authorization' },
      secureJsonData: { httpHeaderValue1: 'Token ${INFLUX_TOKEN}' },
    });
    expect(JSON.stringify(file)).not.toMatch(/password|local-influx-token/i); // no secret is committed
  });
});

describe('dashboard provisioning', () => {
  const file = readYaml('provisioning/dashboards/pulseproof.yaml');

  it('declares one file provider reading the mounted dashboards folder, not editable in the UI', () => {
    expect(file).toEqual(JSON.parse(JSON.stringify(DASHBOARD_PROVISIONING)));
    const providers = file['providers'] as Record<string, unknown>[];
    expect(providers).toHaveLength(1);
    expect(providers[0]).toMatchObject({ type: 'file', orgId: 1, allowUiUpdates: false, options: { path: CONTAINER_PATHS.dashboards } });
  });
});

describe('docker-compose.yml', () => {
  const compose = load(readFileSync(join(REPO, 'docker-compose.yml'), 'utf8')) as { services: Record<string, { volumes?: string[]; environment?: Record<string, string> }> };
  const grafana = compose.services['grafana'];

  it('mounts the provisioning files and dashboards where the provisioning expects them', () => {
    expect(grafana).toBeDefined();
    const mounts = Object.fromEntries((grafana!.volumes ?? []).map((v) => v.split(':')).map(([from, to]) => [from, to]));
    expect(mounts['./infra/grafana/provisioning']).toBe(CONTAINER_PATHS.provisioning);
    expect(mounts['./infra/grafana/dashboards']).toBe(CONTAINER_PATHS.dashboards);
  });

  it('gives Grafana every variable the datasource provisioning expands', () => {
    const used = [...readFileSync(join(INFRA, 'provisioning/datasources/influxdb.yaml'), 'utf8').matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]!);
    expect(used.sort()).toEqual(['INFLUX_DATABASE', 'INFLUX_TOKEN', 'INFLUX_URL']);
    for (const name of used) expect(grafana!.environment?.[name]).toEqual(expect.any(String));
  });
});

describe('toYaml', () => {
  it('writes YAML that parses back to the same data, quoting what YAML would misread', () => {
    const data = { a: 'plain', b: 'yes', c: '${X}', d: 'a: b', e: '#x', f: 1, g: true, h: ['x', { i: 'y', j: [1, 2] }], k: { l: '', m: "it's \"q\"" } };
    expect(load(toYaml(data))).toEqual(data);
  });
});

describe('npm run grafana -- --check', () => {
  it('exits 0 when infra/grafana is up to date', () => {
    const cli = join(__dirname, '../dist/cli.js');
    const result = spawnSync(process.execPath, [cli, '--check'], { encoding: 'utf8' });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  });

  it('refuses an unknown argument with the usage, exit code 2', () => {
    const result = spawnSync(process.execPath, [join(__dirname, '../dist/cli.js'), '--write'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^grafana: unknown argument --write\nusage: npm run grafana/);
  });
});

it('renders five files: three dashboards and two provisioning files', () => {
  expect([...renderFiles().keys()].sort()).toEqual([
    'dashboards/patient-detail.json',
    'dashboards/pipeline-health.json',
    'dashboards/ward-overview.json',
    'provisioning/dashboards/pulseproof.yaml',
    'provisioning/datasources/influxdb.yaml',
  ]);
});
