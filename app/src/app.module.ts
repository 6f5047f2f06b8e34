import { DynamicModule, Global, Module } from '@nestjs/common';
import { AlertsModule, AlertsService } from '@pulseproof/alerts';
import { AnchorChainOptions, AnchorHealth, AnchorModule } from '@pulseproof/anchor';
import { Bus } from '@pulseproof/bus';
import { HealthReporter } from '@pulseproof/contracts';
import { EmbeddedBroker, IngestModule, IngestService } from '@pulseproof/ingest';
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
  readonly broker: EmbeddedBroker;
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
        IngestModule.forRoot({ dataDir: config.dataDir, maxPayloadBytes: 16 * 1024, maxClockAheadMs: config.maxClockAheadMs, source: broker }),
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
        AlertsModule.forRoot({ dataDir: config.dataDir }),
      ],
      controllers: [HealthController],
      providers: [
        {
          provide: HEALTH_REPORTERS,
          inject: [IngestService, AnchorHealth, AlertsService],
          useFactory: (ingest: IngestService, anchor: AnchorHealth, alerts: AlertsService): HealthReporter[] => [
            ...extraReporters,
            ingest,
            ...anchor.reporters(),
            alerts,
          ],
        },
      ],
    };
  }
}
