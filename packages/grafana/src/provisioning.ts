import { INFLUX_DATASOURCE } from './datasource';

/**
 * Grafana's provisioning files (https://grafana.com/docs/grafana/latest/administration/provisioning/),
 * as typed objects rendered to YAML. Grafana expands `$VAR` / `${VAR}` from its own environment in
 * provisioning values, so URLs, the database and the token stay out of the committed files.
 */

/** where the files go inside the grafana container (docker-compose.yml mounts them there) */
export const CONTAINER_PATHS = Object.freeze({
  provisioning: '/etc/grafana/provisioning',
  dashboards: '/var/lib/grafana/dashboards',
});

// type aliases, not interfaces: they are assignable to toYaml's index signature
export type DatasourceProvisioning = {
  readonly apiVersion: 1;
  readonly datasources: readonly {
    readonly name: string;
    readonly uid: string;
    readonly type: 'influxdb';
    readonly access: 'proxy';
    readonly url: string;
    readonly isDefault: boolean;
    readonly editable: boolean;
    readonly jsonData: {
      readonly version: 'InfluxQL';
      readonly dbName: string;
      readonly httpMode: 'POST';
      readonly httpHeaderName1: 'Authorization';
    };
    readonly secureJsonData: { readonly httpHeaderValue1: string };
  }[];
};

export type DashboardProvisioning = {
  readonly apiVersion: 1;
  readonly providers: readonly {
    readonly name: string;
    readonly orgId: number;
    readonly folder: string;
    readonly type: 'file';
    readonly disableDeletion: boolean;
    readonly allowUiUpdates: boolean;
    readonly updateIntervalSeconds: number;
    readonly options: { readonly path: string; readonly foldersFromFilesStructure: boolean };
  }[];
};

/**
 * InfluxQL over InfluxDB's /query. InfluxDB 2.x serves it through its v1 compatibility API: the
 * database is a DBRP mapping (a bucket without a `/` gets a virtual one named after it, retention
 * policy `autogen`), and the API token goes in `Authorization: Token …`. The same variables as the
 * app's (INFLUX_URL, INFLUX_DATABASE, INFLUX_TOKEN; .env.example).
 */
export const DATASOURCE_PROVISIONING: DatasourceProvisioning = {
  apiVersion: 1,
  datasources: [
    {
      name: 'PulseProof InfluxDB',
      uid: INFLUX_DATASOURCE.uid,
      type: INFLUX_DATASOURCE.type,
      access: 'proxy',
      url: '${INFLUX_URL}',
      isDefault: true,
      editable: false,
      jsonData: { version: 'InfluxQL', dbName: '${INFLUX_DATABASE}', httpMode: 'POST', httpHeaderName1: 'Authorization' },
      secureJsonData: { httpHeaderValue1: 'Token ${INFLUX_TOKEN}' },
    },
  ],
};

export const DASHBOARD_PROVISIONING: DashboardProvisioning = {
  apiVersion: 1,
  providers: [
    {
      name: 'pulseproof',
      orgId: 1,
      folder: 'PulseProof',
      type: 'file',
      // Generated in code: a change made in Grafana's UI would be lost at the next `npm run grafana`.
      disableDeletion: true,
      allowUiUpdates: false,
      updateIntervalSeconds: 30,
      options: { path: CONTAINER_PATHS.dashboards, foldersFromFilesStructure: false },
    },
  ],
};

type Yaml = string | number | boolean | readonly Yaml[] | { readonly [key: string]: Yaml };

const PLAIN = /^[A-Za-z][A-Za-z0-9_./-]*$/;
const RESERVED = /^(true|false|yes|no|on|off|null|y|n)$/i;

function scalar(value: string | number | boolean): string {
  if (typeof value !== 'string') return String(value);
  return PLAIN.test(value) && !RESERVED.test(value) ? value : JSON.stringify(value);
}

/** block-style YAML of plain data (JSON strings are valid YAML double-quoted scalars) */
export function toYaml(value: Yaml, indent = ''): string {
  if (Array.isArray(value)) {
    return value
      .map((item: Yaml) => {
        const body = typeof item === 'object' ? toYaml(item, `${indent}  `).trimStart() : scalar(item);
        return `${indent}- ${body}`;
      })
      .join('\n');
  }
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, Yaml>)
      .map(([key, item]) => (typeof item === 'object' ? `${indent}${key}:\n${toYaml(item, `${indent}  `)}` : `${indent}${key}: ${scalar(item)}`))
      .join('\n');
  }
  return `${indent}${scalar(value)}`;
}
