import { existsSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { ReadingStoreChoice } from '@pulseproof/ingest';
import { READINGS_SECRETS, checkReadingsEnv, readingsEnv, readingsStoreFrom } from './readings-config';
import { BusChoice, busEnv, busFrom, checkBusEnv } from './bus-config';

/**
 * The configuration of `npm start`, read once from the environment (and `.env` when present),
 * validated, typed and frozen. A bad value stops the start with a line naming the variable.
 * Every variable is listed, with its default, in README.md and .env.example.
 */
const port = (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback);
const positiveInt = (fallback: number) => z.coerce.number().int().min(1).default(fallback);
const optionalText = z.string().trim().min(1).optional().catch(undefined);
/** a client-id or share-name part: no MQTT separators or wildcards ([MQTT-4.7.1], [MQTT-4.8.2]) */
const mqttName = (fallback: string) =>
  z.preprocess((v) => (v === '' ? undefined : v), z.string().trim().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, dots, dashes or underscores').default(fallback));
const optionalGwei = z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().positive({ message: 'must be a positive number of gwei' }).optional());

const envSchema = z
  .object({
    PORT: port(8080),
    HTTP_HOST: z.string().default('127.0.0.1'),
    TRUST_PROXY: z.preprocess(
      (v) => (v === undefined || v === '' ? 'off' : String(v).trim()),
      z
        .string()
        .regex(/^(off|loopback|[1-9])$/, 'must be "off", "loopback" or the number of reverse proxies in front (1-9)')
        .transform((v): TrustProxy => (v === 'off' ? false : v === 'loopback' ? 'loopback' : Number(v))),
    ),
    MQTT_PORT: port(1883),
    MQTT_HOST: z.string().default('127.0.0.1'),
    MQTT_AUTH: z.enum(['required', 'off'], { message: 'must be "required" or "off"' }).default('required'),
    MQTT_TLS_PORT: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(0).max(65_535).optional()),
    MQTT_TLS_CERT_FILE: optionalText,
    MQTT_TLS_KEY_FILE: optionalText,
    MQTT_TLS_CA_FILE: optionalText,
    MQTT_TLS_CLIENT_CERT: z.enum(['off', 'optional', 'required'], { message: 'must be "off", "optional" or "required"' }).default('off'),
    MQTT_RATE_PER_DEVICE: z.coerce.number().positive({ message: 'must be a positive number of readings per second' }).default(20),
    MQTT_RATE_BURST: z.coerce.number().int().min(1).default(40),
    MQTT_URL: optionalText.pipe(z.string().regex(/^mqtts?:\/\/[^/\s]+/, 'must be an mqtt:// or mqtts:// URL (the external broker)').optional()),
    MQTT_USERNAME: optionalText,
    MQTT_PASSWORD: z.preprocess((v) => (v === '' ? undefined : v), z.string().optional()),
    INGEST_INSTANCE_ID: mqttName(defaultInstanceId()),
    MQTT_SHARE_GROUP: mqttName('pulseproof-ingest'),
    MQTT_READINGS_CONNECTIONS: z.coerce.number().int().min(1, { message: 'must be a whole number from 1 to 64' }).max(64, { message: 'must be a whole number from 1 to 64' }).default(8),
    DATA_DIR: z.string().default('./data'),
    ACCESS_DB_FILE: optionalText,
    ...readingsEnv,
    ...busEnv,
    CHAIN_RPC_URL: optionalText.pipe(z.url({ message: 'must be an http(s) or ws(s) URL' }).optional()),
    CHAIN_PRIVATE_KEY: optionalText.pipe(z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'must be 0x followed by 64 hex digits').optional()),
    CHAIN_KEYSTORE_FILE: optionalText,
    CHAIN_KEYSTORE_PASSWORD: z.string().optional().catch(undefined),
    CHAIN_MAX_FEE_GWEI: optionalGwei,
    CHAIN_MAX_PRIORITY_FEE_GWEI: optionalGwei,
    CHAIN_RESUBMIT_AFTER_MS: z.coerce.number().int().min(100).default(30_000),
    CHAIN_TX_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(120_000),
    CHAIN_REORG_DEPTH: positiveInt(64),
    CHAIN_REORG_CHECK_MS: z.coerce.number().int().min(10).default(30_000),
    ANCHOR_CONTRACT_ADDRESS: optionalText.pipe(z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte address').optional()),
    CHAIN_CONFIRMATIONS: positiveInt(1),
    BATCH_MAX_SIZE: z.coerce.number().int().min(1).max(1 << 20).default(65_536),
    BATCH_MAX_AGE_MS: positiveInt(10_000),
    MAX_CLOCK_AHEAD_MS: z.coerce.number().int().min(0).default(300_000),
    READING_LATE_AFTER_MS: z.coerce.number().int().min(0).default(300_000),
    READING_MAX_AGE_MS: z.coerce.number().int().min(60_000, { message: 'must be at least 60000 (one minute), in ms' }).default(7 * 86_400_000),
    DEAD_LETTER_RETENTION: z.coerce.number().int().min(1).default(100_000),
    ADMIN_API_TOKEN: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(16, { message: 'must be at least 16 characters (e.g. `openssl rand -base64 32`)' }).optional()),
    SIM_PATIENTS: z.coerce.number().int().min(0).max(10_000).default(20),
    SIM_DETERIORATING: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(0).optional()),
    SIM_INTERVAL_MS: z.coerce.number().int().min(50).default(1_000),
    SIM_SEED: z.coerce.number().int().default(1),
    SIM_AMBULANCES: z.coerce.number().int().min(0).max(500).default(4),
    SIM_AMBULANCE_SPEED: z.coerce.number().positive({ message: 'must be a number > 0 (simulated driving runs this many times faster)' }).default(4),
    DISPATCH_MIN_NEWS2: z.coerce.number().int().min(0).max(20).default(7),
    DISPATCH_ACK_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(30_000),
    ALERT_WEBHOOK_URLS: z
      .string()
      .default('')
      .transform((v) => v.split(',').map((u) => u.trim()).filter((u) => u !== ''))
      .pipe(z.array(z.url({ protocol: /^https?$/, message: 'must be comma-separated http(s) URLs' }))),
    ALERT_WEBHOOK_SECRET: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(16, { message: 'must be at least 16 characters (e.g. `openssl rand -hex 32`)' }).optional()),
    ALERT_WEBHOOK_MAX_ATTEMPTS: positiveInt(10),
    ALERT_WEBHOOK_MAX_AGE_MS: z.coerce.number().int().min(1_000).default(3_600_000),
    ALERT_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
    ALERT_STREAM_HEARTBEAT_MS: z.coerce.number().int().min(1_000).default(15_000),
    ALERT_ESCALATION_STEPS_MS: z
      .string()
      .default('120000,300000,600000')
      .transform((v) => v.split(',').map((t) => t.trim()).filter((t) => t !== '').map(Number))
      .pipe(
        z
          .array(z.number().int().min(1_000))
          .refine((steps) => steps.every((ms, i) => i === 0 || ms > steps[i - 1]!), { message: 'must be increasing ms since the alert was raised, comma-separated (empty: no escalation)' }),
      ),
  })
  .superRefine((env, ctx) => {
    if (env.CHAIN_RPC_URL && !env.CHAIN_PRIVATE_KEY && !env.CHAIN_KEYSTORE_FILE) {
      ctx.addIssue({
        code: 'custom',
        path: ['CHAIN_PRIVATE_KEY'],
        message: 'or CHAIN_KEYSTORE_FILE is required when CHAIN_RPC_URL is set (the key of an account allowed to anchor)',
      });
    }
    if (env.CHAIN_PRIVATE_KEY && env.CHAIN_KEYSTORE_FILE) {
      ctx.addIssue({ code: 'custom', path: ['CHAIN_KEYSTORE_FILE'], message: 'and CHAIN_PRIVATE_KEY are both set: keep one source of the anchoring key' });
    }
    if (env.CHAIN_KEYSTORE_FILE && !env.CHAIN_RPC_URL) {
      ctx.addIssue({ code: 'custom', path: ['CHAIN_KEYSTORE_FILE'], message: 'needs CHAIN_RPC_URL (the embedded chain signs with its own development key)' });
    }
    if (env.CHAIN_KEYSTORE_FILE && env.CHAIN_KEYSTORE_PASSWORD === undefined) {
      ctx.addIssue({ code: 'custom', path: ['CHAIN_KEYSTORE_PASSWORD'], message: 'is required with CHAIN_KEYSTORE_FILE' });
    }
    if (env.CHAIN_KEYSTORE_FILE && !existsSync(env.CHAIN_KEYSTORE_FILE)) {
      ctx.addIssue({ code: 'custom', path: ['CHAIN_KEYSTORE_FILE'], message: 'names no file' });
    }
    if (env.ACCESS_DB_FILE && (/[\\/]$/.test(env.ACCESS_DB_FILE) || (existsSync(env.ACCESS_DB_FILE) && statSync(env.ACCESS_DB_FILE).isDirectory()))) {
      ctx.addIssue({ code: 'custom', path: ['ACCESS_DB_FILE'], message: 'names a directory: give the path of the SQLite file, e.g. /shared/pulseproof/access.sqlite' });
    }
    checkMqttTls(env, ctx);
    checkReadingsEnv(env, ctx, env.READING_MAX_AGE_MS);
    checkBusEnv(env, ctx);
    if (env.ALERT_WEBHOOK_URLS.length > 0 && env.ALERT_WEBHOOK_SECRET === undefined) {
      ctx.addIssue({ code: 'custom', path: ['ALERT_WEBHOOK_SECRET'], message: 'is required when ALERT_WEBHOOK_URLS is set (the key receivers check signatures with)' });
    }
    if (env.SIM_DETERIORATING !== undefined && env.SIM_DETERIORATING > env.SIM_PATIENTS) {
      ctx.addIssue({ code: 'custom', path: ['SIM_DETERIORATING'], message: `must not exceed SIM_PATIENTS (${env.SIM_PATIENTS})` });
    }
  });

/**
 * Which X-Forwarded-For hops Express believes (https://expressjs.com/en/guide/behind-proxies.html):
 * false (the socket's address), 'loopback' (a proxy on this host), or how many proxies stand in front.
 */
export type TrustProxy = false | 'loopback' | number;

export interface PulseProofConfig {
  readonly http: {
    readonly host: string;
    readonly port: number;
    /** Express's 'trust proxy': whose X-Forwarded-For names the client (sign-in limits per address) */
    readonly trustProxy?: TrustProxy;
  };
  readonly mqtt: MqttConfig;
  readonly dataDir: string;
  /**
   * users, wards, sessions and the access log (SQLite, WAL): `DATA_DIR/access.sqlite` unless
   * ACCESS_DB_FILE names one that processes on one host or a shared local volume use together
   */
  readonly accessDbFile: string;
  /** SQLite under dataDir (default) or InfluxDB */
  readonly readings: ReadingStoreChoice;
  /** the bus between the services: the embedded SQLite log (default) or Kafka (BUS=kafka) */
  readonly bus: BusChoice;
  /** undefined: start the embedded anvil chain */
  readonly chain?: ExternalChainConfig;
  readonly confirmations: number;
  /** how the anchoring transactions are watched, on any chain */
  readonly tx: { readonly resubmitAfterMs: number; readonly timeoutMs: number; readonly reorgDepth: number; readonly reorgCheckMs: number };
  readonly batch: { readonly maxSize: number; readonly maxAgeMs: number };
  readonly maxClockAheadMs: number;
  /** late data is stored marked `late` past lateAfterMs, refused past maxReadingAgeMs; newest dead letters kept */
  readonly validation: { readonly lateAfterMs: number; readonly maxReadingAgeMs: number; readonly deadLetterRetention: number };
  /** bearer token of /api/devices and /api/principals; unset: that API answers 403 (use the CLI) */
  readonly adminApiToken?: string;
  readonly simulator: { readonly patients: number; readonly deteriorating: number; readonly intervalMs: number; readonly seed: number };
  /** simulated ambulance units started with the pipeline (0: none), and how much faster than real time they drive */
  readonly ambulances: { readonly units: number; readonly speed: number };
  /** ambulance dispatch: a NEWS2 alert at or above minNews2 for a patient outside hospital dispatches a unit */
  readonly dispatch: { readonly minNews2: number; readonly ackTimeoutMs: number };
  /** an active alert still unacknowledged this long after it was raised is re-notified one level (and priority) up; empty: off */
  readonly alertEscalationStepsMs: readonly number[];
  /** alert delivery besides MQTT consoles: signed webhooks (none when no URL) and the live stream */
  readonly alertDelivery: {
    readonly webhooks?: {
      readonly urls: readonly string[];
      readonly secret: string;
      readonly timeoutMs: number;
      readonly retry: { readonly maxAttempts: number; readonly maxAgeMs: number };
    };
    readonly stream: { readonly heartbeatMs: number };
  };
}

/** The embedded broker's listeners and what it asks of the clients that connect. */
export interface MqttConfig {
  readonly host: string;
  readonly port: number;
  /** `off`: anyone may connect and publish (experiments only; logged as a warning at start) */
  readonly auth: 'required' | 'off';
  /** a second, TLS listener (and mTLS when clientCertificates is not off) */
  readonly tls?: { readonly port: number; readonly certFile: string; readonly keyFile: string; readonly caFile?: string; readonly clientCertificates: 'off' | 'optional' | 'required' };
  /** token bucket per device: readings/s sustained, and how many at once */
  readonly rateLimit: { readonly perDevicePerSecond: number; readonly burst: number };
  /** MQTT_URL set: ingest is a client of this broker instead of running the embedded one */
  readonly external?: ExternalMqttConfig;
}

/** An external broker, reached with a shared subscription and a persistent session per instance. */
export interface ExternalMqttConfig {
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  /** stable per instance: the MQTT client id (and so the session) is derived from it */
  readonly instanceId: string;
  readonly shareGroup: string;
  /** readings sessions per instance (MQTT_READINGS_CONNECTIONS), each a member of the share group */
  readonly readingsConnections: number;
}

/** An EVM JSON-RPC endpoint and the key to anchor with: exactly one of privateKey and keystore. */
export interface ExternalChainConfig {
  readonly rpcUrl: string;
  readonly privateKey?: string;
  /** decrypted at start (startEmbedded), so a wrong password stops the start */
  readonly keystore?: { readonly file: string; readonly password: string };
  readonly contractAddress?: string;
  readonly maxFeePerGasGwei?: number;
  readonly maxPriorityFeePerGasGwei?: number;
}

export class ConfigError extends Error {}

/** Variables whose values never appear in a message, even a wrong one. */
// Webhook URLs often carry a receiver's token in their query.
const SECRETS = new Set(['CHAIN_PRIVATE_KEY', 'CHAIN_KEYSTORE_PASSWORD', 'ADMIN_API_TOKEN', 'MQTT_PASSWORD', 'MQTT_URL', 'ALERT_WEBHOOK_SECRET', 'ALERT_WEBHOOK_URLS', ...READINGS_SECRETS]);

export function loadConfig(env: NodeJS.ProcessEnv): PulseProofConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'configuration');
    const got = env[name] === undefined || SECRETS.has(name) ? '' : ` (got "${String(env[name]).slice(0, 80)}")`;
    throw new ConfigError(`${name} ${issue.message}${got}: fix it in the environment or in .env`);
  }
  const e = parsed.data;
  return Object.freeze({
    http: { host: e.HTTP_HOST, port: e.PORT, trustProxy: e.TRUST_PROXY },
    mqtt: {
      host: e.MQTT_HOST,
      port: e.MQTT_PORT,
      auth: e.MQTT_AUTH,
      ...(e.MQTT_TLS_PORT !== undefined && {
        tls: {
          port: e.MQTT_TLS_PORT,
          certFile: resolve(e.MQTT_TLS_CERT_FILE!),
          keyFile: resolve(e.MQTT_TLS_KEY_FILE!),
          ...(e.MQTT_TLS_CA_FILE && { caFile: resolve(e.MQTT_TLS_CA_FILE) }),
          clientCertificates: e.MQTT_TLS_CLIENT_CERT,
        },
      }),
      rateLimit: { perDevicePerSecond: e.MQTT_RATE_PER_DEVICE, burst: e.MQTT_RATE_BURST },
      ...(e.MQTT_URL && {
        external: {
          url: e.MQTT_URL,
          ...(e.MQTT_USERNAME && { username: e.MQTT_USERNAME }),
          ...(e.MQTT_PASSWORD !== undefined && { password: e.MQTT_PASSWORD }),
          instanceId: e.INGEST_INSTANCE_ID,
          shareGroup: e.MQTT_SHARE_GROUP,
          readingsConnections: e.MQTT_READINGS_CONNECTIONS,
        },
      }),
    },
    dataDir: resolve(e.DATA_DIR),
    accessDbFile: resolve(e.ACCESS_DB_FILE ?? join(e.DATA_DIR, 'access.sqlite')),
    readings: readingsStoreFrom(e),
    bus: busFrom(e),
    ...(e.CHAIN_RPC_URL && {
      chain: {
        rpcUrl: e.CHAIN_RPC_URL,
        ...(e.CHAIN_PRIVATE_KEY && { privateKey: e.CHAIN_PRIVATE_KEY }),
        ...(e.CHAIN_KEYSTORE_FILE && { keystore: { file: resolve(e.CHAIN_KEYSTORE_FILE), password: e.CHAIN_KEYSTORE_PASSWORD ?? '' } }),
        ...(e.ANCHOR_CONTRACT_ADDRESS && { contractAddress: e.ANCHOR_CONTRACT_ADDRESS }),
        ...(e.CHAIN_MAX_FEE_GWEI !== undefined && { maxFeePerGasGwei: e.CHAIN_MAX_FEE_GWEI }),
        ...(e.CHAIN_MAX_PRIORITY_FEE_GWEI !== undefined && { maxPriorityFeePerGasGwei: e.CHAIN_MAX_PRIORITY_FEE_GWEI }),
      },
    }),
    confirmations: e.CHAIN_CONFIRMATIONS,
    tx: { resubmitAfterMs: e.CHAIN_RESUBMIT_AFTER_MS, timeoutMs: e.CHAIN_TX_TIMEOUT_MS, reorgDepth: e.CHAIN_REORG_DEPTH, reorgCheckMs: e.CHAIN_REORG_CHECK_MS },
    batch: { maxSize: e.BATCH_MAX_SIZE, maxAgeMs: e.BATCH_MAX_AGE_MS },
    maxClockAheadMs: e.MAX_CLOCK_AHEAD_MS,
    validation: { lateAfterMs: e.READING_LATE_AFTER_MS, maxReadingAgeMs: e.READING_MAX_AGE_MS, deadLetterRetention: e.DEAD_LETTER_RETENTION },
    ...(e.ADMIN_API_TOKEN && { adminApiToken: e.ADMIN_API_TOKEN }),
    simulator: { patients: e.SIM_PATIENTS, deteriorating: e.SIM_DETERIORATING ?? Math.min(3, e.SIM_PATIENTS), intervalMs: e.SIM_INTERVAL_MS, seed: e.SIM_SEED },
    ambulances: { units: e.SIM_AMBULANCES, speed: e.SIM_AMBULANCE_SPEED },
    dispatch: { minNews2: e.DISPATCH_MIN_NEWS2, ackTimeoutMs: e.DISPATCH_ACK_TIMEOUT_MS },
    alertEscalationStepsMs: e.ALERT_ESCALATION_STEPS_MS,
    alertDelivery: {
      ...(e.ALERT_WEBHOOK_URLS.length > 0 && {
        webhooks: {
          urls: e.ALERT_WEBHOOK_URLS,
          secret: e.ALERT_WEBHOOK_SECRET!,
          timeoutMs: e.ALERT_WEBHOOK_TIMEOUT_MS,
          retry: { maxAttempts: e.ALERT_WEBHOOK_MAX_ATTEMPTS, maxAgeMs: e.ALERT_WEBHOOK_MAX_AGE_MS },
        },
      }),
      stream: { heartbeatMs: e.ALERT_STREAM_HEARTBEAT_MS },
    },
  });
}

/** The TLS listener's files exist and go together; mTLS needs the CA that signs the clients. */
type MqttTlsEnv = {
  readonly MQTT_TLS_PORT?: number;
  readonly MQTT_TLS_CERT_FILE?: string;
  readonly MQTT_TLS_KEY_FILE?: string;
  readonly MQTT_TLS_CA_FILE?: string;
  readonly MQTT_TLS_CLIENT_CERT: 'off' | 'optional' | 'required';
};

function checkMqttTls(env: MqttTlsEnv, ctx: z.RefinementCtx): void {
  const issue = (name: string, message: string) => ctx.addIssue({ code: 'custom', path: [name], message });
  if (env.MQTT_TLS_PORT === undefined) {
    for (const name of ['MQTT_TLS_CERT_FILE', 'MQTT_TLS_KEY_FILE', 'MQTT_TLS_CA_FILE'] as const) {
      if (env[name]) issue(name, 'needs MQTT_TLS_PORT (the port of the TLS listener)');
    }
    if (env.MQTT_TLS_CLIENT_CERT !== 'off') issue('MQTT_TLS_CLIENT_CERT', 'needs MQTT_TLS_PORT (client certificates are asked for on the TLS listener)');
    return;
  }
  for (const name of ['MQTT_TLS_CERT_FILE', 'MQTT_TLS_KEY_FILE'] as const) {
    const file = env[name];
    if (!file) issue(name, 'is required with MQTT_TLS_PORT (PEM file of the server certificate / its private key)');
    else if (!existsSync(file)) issue(name, 'names no file');
  }
  if (env.MQTT_TLS_CLIENT_CERT !== 'off' && !env.MQTT_TLS_CA_FILE) {
    issue('MQTT_TLS_CA_FILE', `is required with MQTT_TLS_CLIENT_CERT=${env.MQTT_TLS_CLIENT_CERT} (PEM of the CA that signs device certificates)`);
  }
  if (env.MQTT_TLS_CA_FILE && !existsSync(env.MQTT_TLS_CA_FILE)) issue('MQTT_TLS_CA_FILE', 'names no file');
}

/** The host name as an instance id: stable across restarts of one host; set INGEST_INSTANCE_ID where hosts come and go. */
function defaultInstanceId(): string {
  return hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64) || 'ingest';
}

/** Reads `.env` from the working directory into process.env, never overriding what is set. */
export function loadDotEnv(file = '.env'): void {
  if (existsSync(file)) process.loadEnvFile(file);
}
