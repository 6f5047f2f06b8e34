import { hostname } from 'node:os';
import { z } from 'zod';

/**
 * The bus between the services: BUS and the KAFKA_* variables (README "Configuration",
 * docs/deploy.md). Part of config.ts's schema; kept apart because the Kafka settings only make
 * sense together.
 */
const optional = z.preprocess((v) => (v === '' ? undefined : v), z.string().trim().min(1).optional());
/** host:port, the form kafkajs takes (a bracketed IPv6 host is allowed) */
const BROKER = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/;

export const busEnv = {
  BUS: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.enum(['embedded', 'kafka'], { message: 'must be "embedded" (a SQLite log under DATA_DIR) or "kafka" (KAFKA_BROKERS)' }).default('embedded'),
  ),
  KAFKA_BROKERS: optional
    .transform((v) => (v === undefined ? undefined : v.split(',').map((b) => b.trim()).filter((b) => b !== '')))
    .pipe(z.array(z.string().regex(BROKER, 'must be comma-separated host:port pairs, e.g. kafka-1:9092,kafka-2:9092')).min(1, 'must name at least one host:port').optional()),
  KAFKA_CLIENT_ID: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.string().trim().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, dots, dashes or underscores').default(defaultClientId()),
  ),
  KAFKA_PARTITIONS: z.coerce.number().int().min(1, { message: 'must be a whole number of partitions, 1 or more' }).max(10_000).default(12),
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1, { message: 'must be 1 or more (3 on a production cluster)' }).max(16).default(1),
  // Kafka brokers refuse sessions outside group.min/max.session.timeout.ms (6 s to 30 min by default)
  KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000, { message: 'must be 6000 ms or more (the broker refuses shorter sessions)' }).max(1_800_000).default(30_000),
};

type BusEnv = z.output<z.ZodObject<typeof busEnv>>;

export type BusChoice =
  | { readonly kind: 'embedded' }
  | {
      readonly kind: 'kafka';
      readonly brokers: readonly string[];
      readonly clientId: string;
      /** partitions of each topic created at start: the most members of one consumer group that share a topic */
      readonly partitions: number;
      readonly replicationFactor: number;
      /** a process killed without leaving its groups holds its partitions this long */
      readonly sessionTimeoutMs: number;
    };

export function checkBusEnv(env: BusEnv, ctx: z.RefinementCtx): void {
  if (env.BUS === 'kafka' && !env.KAFKA_BROKERS) {
    ctx.addIssue({ code: 'custom', path: ['KAFKA_BROKERS'], message: 'is required with BUS=kafka (comma-separated host:port, e.g. kafka:9092)' });
  }
  if (env.BUS === 'embedded' && env.KAFKA_BROKERS) {
    ctx.addIssue({ code: 'custom', path: ['KAFKA_BROKERS'], message: 'is set but BUS is embedded: set BUS=kafka to use Kafka, or unset KAFKA_BROKERS' });
  }
}

export function busFrom(env: BusEnv): BusChoice {
  if (env.BUS === 'embedded') return { kind: 'embedded' };
  return {
    kind: 'kafka',
    brokers: env.KAFKA_BROKERS!,
    clientId: env.KAFKA_CLIENT_ID,
    partitions: env.KAFKA_PARTITIONS,
    replicationFactor: env.KAFKA_REPLICATION_FACTOR,
    sessionTimeoutMs: env.KAFKA_SESSION_TIMEOUT_MS,
  };
}

function defaultClientId(): string {
  return `pulseproof-${hostname().replace(/[^A-Za-z0-9._-]/g, '-')}`.slice(0, 64);
}
