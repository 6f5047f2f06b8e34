import { z } from 'zod';
import type { ReadingStoreChoice } from '@pulseproof/ingest';

/**
 * Where readings are stored: READINGS_STORE and the INFLUX_* variables (README "Configuration",
 * docs/storage.md). Part of config.ts's schema; kept apart because the InfluxDB settings only make
 * sense together.
 */
const DAY = 86_400_000;
const optional = z.preprocess((v) => (v === '' ? undefined : v), z.string().trim().min(1).optional());

export const readingsEnv = {
  READINGS_STORE: z.enum(['sqlite', 'influxdb'], { message: 'must be "sqlite" or "influxdb"' }).default('sqlite'),
  READINGS_RETENTION_DAYS: z.coerce.number().int({ message: 'must be a whole number of days (0 keeps readings forever)' }).min(0, { message: 'must be 0 (keep forever) or more days' }).default(0),
  INFLUX_URL: optional.pipe(z.url({ protocol: /^https?$/, message: 'must be the http(s) URL of InfluxDB, e.g. http://influxdb:8086' }).optional()),
  INFLUX_API: z.enum(['v1', 'v2'], { message: 'must be "v1" (/write, InfluxDB 1.x) or "v2" (/api/v2/write, InfluxDB 1.8+, 2.x, 3.x)' }).default('v2'),
  INFLUX_DATABASE: optional,
  INFLUX_RETENTION_POLICY: optional,
  INFLUX_ORG: optional,
  INFLUX_BUCKET: optional,
  INFLUX_TOKEN: optional,
  INFLUX_USERNAME: optional,
  INFLUX_PASSWORD: optional,
};

/** never echoed in a configuration error */
export const READINGS_SECRETS = ['INFLUX_TOKEN', 'INFLUX_USERNAME', 'INFLUX_PASSWORD'] as const;

type ReadingsEnv = z.output<z.ZodObject<typeof readingsEnv>>;

/** `maxReadingAgeMs`: READING_MAX_AGE_MS, which SQLite retention must outlast */
export function checkReadingsEnv(env: ReadingsEnv, ctx: z.RefinementCtx, maxReadingAgeMs: number): void {
  const issue = (name: keyof ReadingsEnv, message: string) => ctx.addIssue({ code: 'custom', path: [name], message });
  if (env.READINGS_STORE === 'sqlite') {
    // A redelivery older than READING_MAX_AGE_MS is refused; a younger one whose first copy was
    // already deleted would be stored again with a new salt (docs/storage.md, "Retention").
    if (env.READINGS_RETENTION_DAYS > 0 && env.READINGS_RETENTION_DAYS * DAY <= maxReadingAgeMs) {
      issue('READINGS_RETENTION_DAYS', `must be longer than READING_MAX_AGE_MS (${maxReadingAgeMs / DAY} days), or 0 to keep readings forever`);
    }
    if (env.INFLUX_URL) issue('INFLUX_URL', 'is set but READINGS_STORE is sqlite: set READINGS_STORE=influxdb to use InfluxDB, or unset INFLUX_URL');
    return;
  }
  if (env.READINGS_RETENTION_DAYS > 0) {
    issue('READINGS_RETENTION_DAYS', "applies to the SQLite store; with InfluxDB, give the retention policy (INFLUX_RETENTION_POLICY) a DURATION on the server");
  }
  if (!env.INFLUX_URL) issue('INFLUX_URL', 'is required with READINGS_STORE=influxdb (e.g. http://influxdb:8086)');
  if (env.INFLUX_API === 'v1') {
    if (!env.INFLUX_DATABASE) issue('INFLUX_DATABASE', 'is required with INFLUX_API=v1 (the database /write and /query use)');
    if (env.INFLUX_TOKEN) issue('INFLUX_TOKEN', 'is for INFLUX_API=v2; with v1 set INFLUX_USERNAME and INFLUX_PASSWORD');
    if (env.INFLUX_PASSWORD && !env.INFLUX_USERNAME) issue('INFLUX_USERNAME', 'is required with INFLUX_PASSWORD');
  } else {
    if (!env.INFLUX_ORG) issue('INFLUX_ORG', 'is required with INFLUX_API=v2 (on InfluxDB 1.8 any value, e.g. "-")');
    if (!env.INFLUX_BUCKET) issue('INFLUX_BUCKET', 'is required with INFLUX_API=v2 (on InfluxDB 1.8 "database/retention-policy")');
    if (env.INFLUX_USERNAME || env.INFLUX_PASSWORD) {
      issue(env.INFLUX_USERNAME ? 'INFLUX_USERNAME' : 'INFLUX_PASSWORD', 'is for INFLUX_API=v1; with v2 use INFLUX_TOKEN (on InfluxDB 1.8 "username:password")');
    }
  }
}

export function readingsStoreFrom(env: ReadingsEnv): ReadingStoreChoice {
  if (env.READINGS_STORE === 'sqlite') return { kind: 'sqlite', retentionDays: env.READINGS_RETENTION_DAYS };
  return {
    kind: 'influxdb',
    influx: {
      url: env.INFLUX_URL!,
      api: env.INFLUX_API,
      ...(env.INFLUX_DATABASE && { database: env.INFLUX_DATABASE }),
      ...(env.INFLUX_RETENTION_POLICY && { retentionPolicy: env.INFLUX_RETENTION_POLICY }),
      ...(env.INFLUX_ORG && { org: env.INFLUX_ORG }),
      ...(env.INFLUX_BUCKET && { bucket: env.INFLUX_BUCKET }),
      ...(env.INFLUX_TOKEN && { token: env.INFLUX_TOKEN }),
      ...(env.INFLUX_USERNAME && { username: env.INFLUX_USERNAME }),
      ...(env.INFLUX_PASSWORD && { password: env.INFLUX_PASSWORD }),
    },
  };
}
