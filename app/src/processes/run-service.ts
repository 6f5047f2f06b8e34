import { mkdirSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { INestApplication } from '@nestjs/common';
import { ALERT_DELIVERY_CONSUMER_GROUP, ALERTS_CONSUMER_GROUP } from '@pulseproof/alerts';
import { ANCHOR_CONSUMER_GROUP, AnchorChainOptions, loadKeystoreKey } from '@pulseproof/anchor';
import { Bus, KafkaLease } from '@pulseproof/bus';
import { busTopics, HealthReporter, redactUrl } from '@pulseproof/contracts';
import { MqttReadingSource } from '@pulseproof/ingest';
import { ConfigError, loadConfig, loadDotEnv, PulseProofConfig } from '../config';
import { HttpPortInUseError } from '../errors';
import { QuietBootLogger } from '../logger';
import { openBus } from './open-bus';
import { ServiceProcessModule, ServiceWiring } from './process-module';
import { applyTrustProxy } from '../trust-proxy';

export type ServiceName = 'ingest' | 'anchor' | 'alerts';

/** The Kafka group whose single member anchors (see `startAnchor`). */
export const ANCHOR_LEASE = 'pulseproof-anchor';

/** Exit status when a running anchor lost its lease: its supervisor restarts it as a standby. */
export const EXIT_LEASE_LOST = 3;

interface RunningService {
  readonly app: INestApplication;
  readonly lines: string[];
  stop(): Promise<void>;
}

/**
 * `pulseproof ingest|anchor|alerts`: one service in its own process, over Kafka (BUS=kafka), an
 * external MQTT broker (MQTT_URL) and the configured reading store. Resolves to the exit code;
 * a configuration error is one line on stderr and exit 2.
 */
export async function runService(service: ServiceName, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  // A lease lost while the rest of the service is still starting is remembered and ends the
  // process as soon as it is up: it must not anchor without the lease.
  let lostWhileStarting: string | undefined;
  let onLeaseLost: (reason: string) => void = (reason) => (lostWhileStarting ??= reason);
  let running: RunningService;
  // A stop asked for while starting (e.g. an anchor standby waiting for the lease) ends the process
  // at once: nothing was taken from the broker or Kafka yet that a restart would not get again.
  const whileStarting = (signal: NodeJS.Signals) => {
    process.stdout.write(`${signal} while starting: pulseproof ${service} exits\n`);
    process.exit(0);
  };
  process.once('SIGINT', whileStarting);
  process.once('SIGTERM', whileStarting);
  try {
    loadDotEnv();
    const config = loadConfig(env);
    requireDistributed(service, config);
    running = await start(service, config, (reason) => onLeaseLost(reason));
  } catch (error) {
    process.off('SIGINT', whileStarting);
    process.off('SIGTERM', whileStarting);
    if (error instanceof ConfigError || (error instanceof Error && 'code' in error && String(error.code).includes('_E_'))) {
      process.stderr.write(`pulseproof ${service}: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`pulseproof ${service}: could not start: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  process.off('SIGINT', whileStarting);
  process.off('SIGTERM', whileStarting);
  for (const line of running.lines) process.stdout.write(`${line}\n`);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (why: string, code: number) => {
      if (stopping) {
        process.stderr.write(`pulseproof ${service}: ${why} again: exiting now\n`);
        process.exit(130);
      }
      stopping = true;
      process.stdout.write(`${why}: stopping ${service}...\n`);
      running.stop().then(
        () => resolve(code),
        (error: unknown) => {
          process.stderr.write(`pulseproof ${service}: stop failed: ${String(error)}\n`);
          resolve(1);
        },
      );
    };
    onLeaseLost = (reason) => {
      process.stderr.write(`pulseproof anchor: lost the anchor lease (${reason}): stopping so that one process anchors\n`);
      stop('lease lost', EXIT_LEASE_LOST);
    };
    if (lostWhileStarting !== undefined) onLeaseLost(lostWhileStarting);
    process.once('SIGINT', () => stop('SIGINT', 0));
    process.once('SIGTERM', () => stop('SIGTERM', 0));
  });
}

/** A service process needs the shared parts a single process can embed; each missing one stops the start. */
function requireDistributed(service: ServiceName, config: PulseProofConfig): void {
  if (config.bus.kind !== 'kafka') {
    throw new ConfigError(`BUS must be "kafka" for pulseproof ${service} (the services of separate processes meet on Kafka): set BUS=kafka and KAFKA_BROKERS`);
  }
  if (service === 'ingest' && !config.mqtt.external) {
    throw new ConfigError('MQTT_URL is required for pulseproof ingest (the broker the devices publish to, e.g. mqtt://mosquitto:1883)');
  }
  if (service === 'anchor' && !config.chain) {
    throw new ConfigError('CHAIN_RPC_URL is required for pulseproof anchor (the EVM JSON-RPC endpoint it anchors on), with CHAIN_PRIVATE_KEY or CHAIN_KEYSTORE_FILE');
  }
}

/**
 * What `/api/health` shows as bus lag in each process: the consumer groups the process runs, and on
 * ingest the readings not yet taken by anchor and alerts (the backlog it feeds).
 */
function busLags(service: ServiceName, bus: Bus): Record<string, number> {
  const readings = (group: string) => bus.lag(busTopics.readings, group);
  switch (service) {
    case 'ingest':
      return { anchorLag: readings(ANCHOR_CONSUMER_GROUP), alertsLag: readings(ALERTS_CONSUMER_GROUP) };
    case 'anchor':
      return { anchorLag: readings(ANCHOR_CONSUMER_GROUP) };
    case 'alerts':
      return { alertsLag: readings(ALERTS_CONSUMER_GROUP), alertDeliveryLag: bus.lag(busTopics.alerts, ALERT_DELIVERY_CONSUMER_GROUP) };
  }
}

async function start(service: ServiceName, config: PulseProofConfig, onLeaseLost: (reason: string) => void): Promise<RunningService> {
  mkdirSync(config.dataDir, { recursive: true });
  const kafka = config.bus.kind === 'kafka' ? config.bus : undefined;
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.splice(0).reverse()) await step().catch(() => undefined);
  };
  try {
    const lines: string[] = [];
    const extra: HealthReporter[] = [];
    let wiring: ServiceWiring;

    if (service === 'anchor') {
      // Single writer per batch: batches are sealed from one process's leaf log (DATA_DIR), so one
      // anchor process runs at a time. A second one waits here as a standby until the holder dies
      // (its Kafka session times out) or stops; a holder that loses the lease exits (status 3).
      const lease = await KafkaLease.acquire({
        brokers: kafka!.brokers,
        clientId: `${kafka!.clientId}-lease`,
        name: ANCHOR_LEASE,
        sessionTimeoutMs: kafka!.sessionTimeoutMs,
        onWaiting: () => process.stdout.write('pulseproof anchor: standby: another anchor process holds the lease; waiting for it\n'),
        onLost: onLeaseLost,
      });
      cleanups.push(() => lease.release());
      extra.push({ component: 'anchorLease', health: () => ({ status: lease.isHeld ? 'up' : 'down', detail: { lease: ANCHOR_LEASE, held: lease.isHeld } }) });
      const { keystore, privateKey, ...endpoint } = config.chain!;
      const chain: AnchorChainOptions = { ...endpoint, privateKey: keystore ? (await loadKeystoreKey(keystore)).privateKey : privateKey! };
      wiring = { service, chain };
      lines.push(`  chain          ${chain.rpcUrl}`);
    } else {
      const external = config.mqtt.external;
      // Ingest's instance id names its persistent readings sessions. Alerts only use the clean
      // messaging session (consoles, dispatch), which needs no stable id but a unique one: alerts
      // replicas on one host (same INGEST_INSTANCE_ID default, the host name) would otherwise take it
      // from each other (MQTT 5 §3.1.4-3), so the process id is part of it.
      const source =
        external && new MqttReadingSource(service === 'ingest' ? external : { ...external, instanceId: `alerts-${external.instanceId}-${process.pid}` });
      if (source) {
        cleanups.push(() => source.stop());
        await source.connect();
        extra.push({ component: 'broker', health: () => ({ status: 'up', detail: source.describe() }) });
        lines.push(`  MQTT broker    ${redactUrl(external!.url)} as ${source.clientId}${service === 'ingest' ? ` (shared subscription ${source.readingsFilter})` : ''}`);
      } else lines.push('  MQTT broker    none (MQTT_URL unset: no MQTT consoles, no ambulance dispatch)');
      wiring = service === 'ingest' ? { service, source: source! } : { service, ...(source && { messaging: source }) };
    }

    const opened = await openBus(config.bus, config.dataDir, (bus) => busLags(service, bus));
    cleanups.push(() => opened.bus.close());
    extra.unshift(opened.reporter);

    const logger = new QuietBootLogger();
    logger.setLogLevels(['log', 'warn', 'error']);
    const app = await NestFactory.create(ServiceProcessModule.forService(config, opened.bus, wiring, extra), { logger, abortOnError: false });
    // the app closes before the bus: its consumers stop while the bus can still commit
    cleanups.push(() => app.close());
    applyTrustProxy(app, config.http.trustProxy);
    try {
      await app.listen(config.http.port, config.http.host);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new HttpPortInUseError(config.http.port);
      throw error;
    }
    const httpUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    return {
      app,
      lines: [
        `PulseProof ${service} is running (one service of the distributed mode):`,
        `  HTTP           ${httpUrl}/api/health`,
        `  bus            Kafka ${kafka!.brokers.join(',')} as ${kafka!.clientId}`,
        ...(service === 'ingest' ? [`  readings store ${config.readings.kind}`] : []),
        ...lines,
        `  data           ${config.dataDir}`,
        'Press Ctrl-C to stop.',
      ],
      stop: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
