import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';

/**
 * The configuration of `npm start`, read once from the environment (and `.env` when present),
 * validated, typed and frozen. A bad value stops the start with a line naming the variable.
 * Every variable is listed, with its default, in README.md and .env.example.
 */
const port = (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback);
const positiveInt = (fallback: number) => z.coerce.number().int().min(1).default(fallback);
const optionalText = z.string().trim().min(1).optional().catch(undefined);
const optionalGwei = z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().positive({ message: 'must be a positive number of gwei' }).optional());

const envSchema = z
  .object({
    PORT: port(8080),
    HTTP_HOST: z.string().default('127.0.0.1'),
    MQTT_PORT: port(1883),
    MQTT_HOST: z.string().default('127.0.0.1'),
    DATA_DIR: z.string().default('./data'),
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
    SIM_PATIENTS: z.coerce.number().int().min(0).max(10_000).default(20),
    SIM_DETERIORATING: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(0).optional()),
    SIM_INTERVAL_MS: z.coerce.number().int().min(50).default(1_000),
    SIM_SEED: z.coerce.number().int().default(1),
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
    if (env.SIM_DETERIORATING !== undefined && env.SIM_DETERIORATING > env.SIM_PATIENTS) {
      ctx.addIssue({ code: 'custom', path: ['SIM_DETERIORATING'], message: `must not exceed SIM_PATIENTS (${env.SIM_PATIENTS})` });
    }
  });

export interface PulseProofConfig {
  readonly http: { readonly host: string; readonly port: number };
  readonly mqtt: { readonly host: string; readonly port: number };
  readonly dataDir: string;
  /** undefined: start the embedded anvil chain */
  readonly chain?: ExternalChainConfig;
  readonly confirmations: number;
  /** how the anchoring transactions are watched, on any chain */
  readonly tx: { readonly resubmitAfterMs: number; readonly timeoutMs: number; readonly reorgDepth: number; readonly reorgCheckMs: number };
  readonly batch: { readonly maxSize: number; readonly maxAgeMs: number };
  readonly maxClockAheadMs: number;
  readonly simulator: { readonly patients: number; readonly deteriorating: number; readonly intervalMs: number; readonly seed: number };
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
const SECRETS = new Set(['CHAIN_PRIVATE_KEY', 'CHAIN_KEYSTORE_PASSWORD']);

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
    http: { host: e.HTTP_HOST, port: e.PORT },
    mqtt: { host: e.MQTT_HOST, port: e.MQTT_PORT },
    dataDir: resolve(e.DATA_DIR),
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
    simulator: { patients: e.SIM_PATIENTS, deteriorating: e.SIM_DETERIORATING ?? Math.min(3, e.SIM_PATIENTS), intervalMs: e.SIM_INTERVAL_MS, seed: e.SIM_SEED },
  });
}

/** Reads `.env` from the working directory into process.env, never overriding what is set. */
export function loadDotEnv(file = '.env'): void {
  if (existsSync(file)) process.loadEnvFile(file);
}
