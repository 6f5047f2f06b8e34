import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { INestApplication, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AnchorChainOptions, AnvilNode, loadKeystoreKey } from '@pulseproof/anchor';
import { busTopics, HealthReporter, redactUrl } from '@pulseproof/contracts';
import { DeviceRegistry, EmbeddedBroker, MqttReadingSource } from '@pulseproof/ingest';
import { Fleet, planFleet, startFleet } from '@pulseproof/simulators';
import { DEFAULT_WARD, ensureFirstAccounts, firstAccountLines, serveOpenApi, UserStore, WardStore } from './access';
import { AppModule } from './app.module';
import { EmbeddedAmbulances, startEmbeddedAmbulances } from './embedded-ambulances';
import { PulseProofConfig } from './config';
import { HttpPortInUseError } from './errors';
import { embeddedBrokerOptions, mqttSummaryLines, registerSimulatedFleet, warnIfAuthOff } from './mqtt-security';
import { QuietBootLogger } from './logger';
import { openBus } from './processes/open-bus';
import { applyTrustProxy } from './trust-proxy';

export interface EmbeddedSystem {
  readonly httpUrl: string;
  readonly mqttUrl: string;
  readonly rpcUrl: string;
  readonly app: INestApplication;
  readonly fleet: Fleet | undefined;
  /** the simulated ambulance units (SIM_AMBULANCES), and the patient marked as at home */
  readonly ambulances: EmbeddedAmbulances | undefined;
  summary(): string[];
  /** stops the fleet, the services, the broker, the bus and the chain, in that order */
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly logLevels?: LogLevel[];
}

/**
 * The composition root of the embedded mode: one process, every part real. Ports are bound first
 * so a taken port fails fast with one line, before anything else starts.
 */
export async function startEmbedded(config: PulseProofConfig, options: StartOptions = {}): Promise<EmbeddedSystem> {
  mkdirSync(config.dataDir, { recursive: true });
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.splice(0).reverse()) await step().catch(() => undefined);
  };

  try {
    // MQTT_URL set: ingest is a client of that broker (shared subscription, persistent session)
    // and the embedded aedes does not start.
    const external = config.mqtt.external && new MqttReadingSource(config.mqtt.external);
    const embedded = external ? undefined : new EmbeddedBroker(embeddedBrokerOptions(config.mqtt));
    const broker = external ?? embedded!;
    cleanups.push(() => broker.stop());
    const mqttPort = embedded ? await embedded.listen() : (await external!.connect(), 0);

    let chain: AnchorChainOptions;
    let anvil: AnvilNode | undefined;
    if (config.chain) {
      const { keystore, privateKey, ...endpoint } = config.chain;
      // Decrypted here, before the services start: a wrong password stops the start
      // (ANCHOR_E_KEYSTORE, exit 2) instead of leaving batches to fail one after another.
      chain = { ...endpoint, privateKey: keystore ? (await loadKeystoreKey(keystore)).privateKey : privateKey! };
    } else {
      anvil = await AnvilNode.start({ dataDir: config.dataDir });
      cleanups.push(() => anvil!.stop());
      chain = { rpcUrl: anvil.rpcUrl, privateKey: anvil.privateKey };
    }

    // BUS=kafka: the same single process over Kafka (the services' handlers do not change)
    const { bus, reporter: busHealth } = await openBus(config.bus, config.dataDir, (b) => ({
      anchorLag: b.lag(busTopics.readings, 'anchor'),
      alertsLag: b.lag(busTopics.readings, 'alerts'),
    }));
    cleanups.push(() => bus.close());
    const brokerHealth: HealthReporter = { component: 'broker', health: () => ({ status: 'up', detail: broker.describe() }) };

    const app = await NestFactory.create(
      AppModule.forRoot({ config, bus, broker, chain, extraReporters: [brokerHealth, busHealth] }),
      { logger: quietLogger(options.logLevels ?? ['log', 'warn', 'error']), abortOnError: false },
    );
    cleanups.push(() => app.close());
    // Devices sign in against the registry Nest created; until now they were told "server unavailable".
    if (embedded && config.mqtt.auth === 'required') embedded.authenticateWith(app.get(DeviceRegistry));
    if (embedded) warnIfAuthOff(config.mqtt);
    serveOpenApi(app);
    applyTrustProxy(app, config.http.trustProxy);
    await listen(app, config.http.host, config.http.port);
    const httpPort = Number(new URL(await app.getUrl()).port);
    // the first start creates one account per role and the default ward (README "Signing in")
    const firstAccounts = await ensureFirstAccounts(app.get(UserStore), app.get(WardStore));

    let fleet: Fleet | undefined;
    const mqttUrl = config.mqtt.external?.url ?? `mqtt://${config.mqtt.host === '0.0.0.0' ? '127.0.0.1' : config.mqtt.host}:${mqttPort}`;
    if (config.simulator.patients > 0) {
      const simOptions = { brokerUrl: mqttUrl, ...config.simulator };
      const registry = app.get(DeviceRegistry);
      // the fleet signs in as one gateway with every simulated device attached, as a serial bridge would
      const credentials = await registerSimulatedFleet(registry, planFleet(simOptions));
      // simulated patients start in the default ward; an admin may move them later (PUT /api/patients/:id/ward)
      app.get(WardStore).placeUnassigned(planFleet(simOptions).map((m) => m.patientId), DEFAULT_WARD.id, 'simulator');
      fleet = await startFleet(embedded && config.mqtt.auth === 'required' ? { ...simOptions, ...credentials } : simOptions);
      cleanups.push(async () => {
        await fleet!.stop();
      });
    }

    // units and the patient at home need the patients' plan (who deteriorates), not the devices
    const ambulances = await startEmbeddedAmbulances(app, config, mqttUrl, fleet?.members ?? []);
    if (ambulances) cleanups.push(() => ambulances.fleet.stop());

    const httpUrl = `http://${config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host}:${httpPort}`;
    return {
      httpUrl,
      mqttUrl,
      rpcUrl: chain.rpcUrl,
      app,
      fleet,
      ambulances,
      summary: () => [
        'PulseProof is running (embedded mode, one process):',
        ...(external
          ? [`  MQTT broker    external ${redactUrl(mqttUrl)} as ${external.clientId}  (devices publish to pulseproof/v1/devices/<deviceId>/readings, QoS 1)`]
          : mqttSummaryLines(config.mqtt, mqttUrl, embedded?.tlsPort)),
        `  dashboard      ${httpUrl}/  (sign in with an account below)`,
        `  HTTP API       ${httpUrl}/api/health  /api/patients  /api/alerts  /api/anchors`,
        `  API docs       ${httpUrl}/api/docs  (sign in: POST /api/auth/sign-in)`,
        ...firstAccountLines(firstAccounts),
        `  chain          ${anvil ? `anvil (embedded) at ${chain.rpcUrl}` : chain.rpcUrl}`,
        `  data           ${config.dataDir}`,
        `  simulator      ${fleet ? `${config.simulator.patients} patients, ${config.simulator.deteriorating} deteriorating, a reading each ${config.simulator.intervalMs} ms` : 'off (SIM_PATIENTS=0)'}`,
        `  ambulances     ${ambulances ? ambulances.summary : config.ambulances.units === 0 ? 'off (SIM_AMBULANCES=0)' : 'not started (see the warning above)'}`,
        'Press Ctrl-C to stop.',
      ],
      stop: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

async function listen(app: INestApplication, host: string, port: number): Promise<void> {
  try {
    await app.listen(port, host);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new HttpPortInUseError(port);
    throw error;
  }
}


function quietLogger(levels: LogLevel[]): QuietBootLogger {
  const logger = new QuietBootLogger();
  logger.setLogLevels(levels);
  return logger;
}
