import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError, loadConfig } from './config';

describe('readings store configuration', () => {
  const influxV2 = { READINGS_STORE: 'influxdb', INFLUX_URL: 'http://influxdb:8086', INFLUX_ORG: 'hospital', INFLUX_BUCKET: 'vitals', INFLUX_TOKEN: 'tok-very-secret' };

  it('defaults to SQLite under DATA_DIR, kept forever', () => {
    expect(loadConfig({}).readings).toEqual({ kind: 'sqlite', retentionDays: 0 });
    expect(loadConfig({ READINGS_RETENTION_DAYS: '400' }).readings).toEqual({ kind: 'sqlite', retentionDays: 400 });
  });

  it('starts the SQLite store with .env.example as it is', () => {
    const example = parseEnv(readFileSync(join(__dirname, '..', '..', '.env.example'), 'utf8'));
    expect(loadConfig(example).readings).toEqual({ kind: 'sqlite', retentionDays: 0 });
  });

  it('builds the InfluxDB v2 options, v2 by default', () => {
    expect(loadConfig(influxV2).readings).toEqual({
      kind: 'influxdb',
      influx: { url: 'http://influxdb:8086', api: 'v2', org: 'hospital', bucket: 'vitals', token: 'tok-very-secret' },
    });
  });

  it('builds the InfluxDB v1 options with a retention policy and credentials', () => {
    const env = { READINGS_STORE: 'influxdb', INFLUX_URL: 'http://influx:8086', INFLUX_API: 'v1', INFLUX_DATABASE: 'pulseproof', INFLUX_RETENTION_POLICY: 'one_year', INFLUX_USERNAME: 'ingest', INFLUX_PASSWORD: 'pw' };
    expect(loadConfig(env).readings).toEqual({
      kind: 'influxdb',
      influx: { url: 'http://influx:8086', api: 'v1', database: 'pulseproof', retentionPolicy: 'one_year', username: 'ingest', password: 'pw' },
    });
  });

  it.each([
    [{ READINGS_STORE: 'postgres' }, /^READINGS_STORE must be "sqlite" or "influxdb" \(got "postgres"\)/],
    [{ READINGS_STORE: 'influxdb' }, /^INFLUX_URL is required with READINGS_STORE=influxdb/],
    [{ INFLUX_URL: 'http://influxdb:8086' }, /^INFLUX_URL is set but READINGS_STORE is sqlite/],
    [{ ...influxV2, INFLUX_URL: 'influxdb:8086' }, /^INFLUX_URL must be the http\(s\) URL of InfluxDB/],
    [{ ...influxV2, INFLUX_BUCKET: '' }, /^INFLUX_BUCKET is required with INFLUX_API=v2/],
    [{ ...influxV2, INFLUX_API: 'v3' }, /^INFLUX_API must be "v1"/],
    [{ ...influxV2, INFLUX_API: 'v1' }, /^INFLUX_DATABASE is required with INFLUX_API=v1/],
    [{ ...influxV2, READINGS_RETENTION_DAYS: '30' }, /^READINGS_RETENTION_DAYS applies to the SQLite store; with InfluxDB, give the retention policy/],
    [{ READINGS_RETENTION_DAYS: '-1' }, /^READINGS_RETENTION_DAYS must be 0 \(keep forever\) or more days/],
    [{ READINGS_RETENTION_DAYS: '7' }, /^READINGS_RETENTION_DAYS must be longer than READING_MAX_AGE_MS \(7 days\), or 0/],
  ])('stops the start with a message naming the variable: %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never echoes InfluxDB credentials in an error', () => {
    const env = { ...influxV2, INFLUX_API: 'v1', INFLUX_DATABASE: 'db', INFLUX_USERNAME: undefined, INFLUX_PASSWORD: 'hunter2-secret' };
    expect(() => loadConfig(env)).toThrow(/^INFLUX_TOKEN is for INFLUX_API=v2/);
    expect(() => loadConfig(env)).not.toThrow(/tok-very-secret/);
    const v2 = { ...influxV2, INFLUX_USERNAME: 'admin-user' };
    expect(() => loadConfig(v2)).toThrow(/^INFLUX_USERNAME is for INFLUX_API=v1/);
    expect(() => loadConfig(v2)).not.toThrow(/admin-user/);
  });
});
