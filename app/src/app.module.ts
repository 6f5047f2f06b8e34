import { DynamicModule, Global, Module } from '@nestjs/common';
import { AlertDeliveryService, AlertsModule, AlertsService, DispatchService } from '@pulseproof/alerts';
import { AnchorChainOptions, AnchorHealth, AnchorModule } from '@pulseproof/anchor';
import { Bus } from '@pulseproof/bus';
import { HealthReporter, MqttMessaging } from '@pulseproof/contracts';
import { IngestModule, IngestService, LivenessService, ReadingSource, presenceFeedsFor } from '@pulseproof/ingest';
import { PulseProofConfig } from './config';
import { HEALTH_REPORTERS, HealthController } from './health.controller';

/** The bus every service injects; created and closed by the composition root, not by Nest. */
@Global()
@Module({})
class BusModule {
  static with(bus: Bus): DynamicModule {
    return { module: BusModule, providers: [{ provide: Bus, useValue: bus }], exports: [Bus] };
  }
}

export interface AppWiring {
  readonly config: PulseProofConfig;
  readonly bus: Bus;
  /** the embedded aedes broker, or the client of an external broker (MQTT_URL) */
  readonly broker: ReadingSource & MqttMessaging;
  /** the chain with its key resolved (CHAIN_PRIVATE_KEY, a decrypted keystore, or the embedded anvil's dev key) */
  readonly chain: AnchorChainOptions;
  /** reports on parts that live outside Nest (broker, bus) */
  readonly extraReporters: readonly HealthReporter[];
}

@Module({})
export class AppModule {
  static forRoot({ config, bus, broker, chain, extraReporters }: AppWiring): DynamicModule {
    return {
      module: AppModule,
      imports: [
        BusModule.with(bus),
        IngestModule.forRoot({ dataDir: config.dataDir, maxPayloadBytes: 16 * 1024, maxClockAheadMs: config.maxClockAheadMs, ...config.validation, adminApiToken: config.adminApiToken, readings: config.readings, source: broker, liveness: { presence: presenceFeedsFor(broker) } }),
        AnchorModule.forRoot({
          dataDir: config.dataDir,
          maxBatchSize: config.batch.maxSize,
          maxBatchAgeMs: config.batch.maxAgeMs,
          confirmations: config.confirmations,
          resubmitAfterMs: config.tx.resubmitAfterMs,
          txTimeoutMs: config.tx.timeoutMs,
          reorgDepth: config.tx.reorgDepth,
          reorgCheckIntervalMs: config.tx.reorgCheckMs,
          chain,
        }),
        // consoles get alerts over the broker the devices use (embedded aedes, or the external broker's client)
        AlertsModule.forRoot({
          dataDir: config.dataDir,
          escalation: { steps: config.alertEscalationStepsMs.map((afterMs) => ({ afterMs })) },
          messaging: broker,
          delivery: config.alertDelivery,
          // ambulance units report and take orders over the same broker
          dispatch: { trigger: { alertType: 'news2', minScore: config.dispatch.minNews2 }, ackTimeoutMs: config.dispatch.ackTimeoutMs },
        }),
      ],
      controllers: [HealthController],
      providers: [
        {
          provide: HEALTH_REPORTERS,
          inject: [IngestService, LivenessService, AnchorHealth, AlertsService, AlertDeliveryService, DispatchService],
          useFactory: (ingest: IngestService, liveness: LivenessService, anchor: AnchorHealth, alerts: AlertsService, alertDelivery: AlertDeliveryService, dispatch: DispatchService): HealthReporter[] => [
            ...extraReporters,
            ingest,
            liveness,
            ...anchor.reporters(),
            alerts,
            alertDelivery,
            dispatch,
          ],
        },
      ],
    };
  }
}
