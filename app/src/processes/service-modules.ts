import { DynamicModule } from '@nestjs/common';
import { AlertsModule } from '@pulseproof/alerts';
import { AnchorChainOptions, AnchorModule } from '@pulseproof/anchor';
import { MqttMessaging } from '@pulseproof/contracts';
import { IngestModule, ReadingSource, presenceFeedsFor } from '@pulseproof/ingest';
import { PulseProofConfig } from '../config';

/**
 * Each service's Nest module from the one validated config: the embedded app imports the three,
 * a service process (`pulseproof ingest|anchor|alerts`) imports one. One place maps configuration
 * to service options, so both modes run the same services the same way.
 */
export function ingestModuleFor(config: PulseProofConfig, source: ReadingSource & MqttMessaging): DynamicModule {
  return IngestModule.forRoot({
    dataDir: config.dataDir,
    maxPayloadBytes: 16 * 1024,
    maxClockAheadMs: config.maxClockAheadMs,
    ...config.validation,
    adminApiToken: config.adminApiToken,
    readings: config.readings,
    source,
    liveness: { presence: presenceFeedsFor(source) },
  });
}

export function anchorModuleFor(config: PulseProofConfig, chain: AnchorChainOptions): DynamicModule {
  return AnchorModule.forRoot({
    dataDir: config.dataDir,
    maxBatchSize: config.batch.maxSize,
    maxBatchAgeMs: config.batch.maxAgeMs,
    confirmations: config.confirmations,
    resubmitAfterMs: config.tx.resubmitAfterMs,
    txTimeoutMs: config.tx.timeoutMs,
    reorgDepth: config.tx.reorgDepth,
    reorgCheckIntervalMs: config.tx.reorgCheckMs,
    chain,
  });
}

/** `messaging` undefined: no MQTT consoles and no ambulance dispatch (a process without MQTT_URL) */
export function alertsModuleFor(config: PulseProofConfig, messaging: MqttMessaging | undefined): DynamicModule {
  return AlertsModule.forRoot({
    dataDir: config.dataDir,
    escalation: { steps: config.alertEscalationStepsMs.map((afterMs) => ({ afterMs })) },
    // consoles get alerts over the broker the devices use (embedded aedes, or the external broker's client)
    ...(messaging && { messaging }),
    delivery: config.alertDelivery,
    // ambulance units report and take orders over the same broker
    dispatch: { trigger: { alertType: 'news2', minScore: config.dispatch.minNews2 }, ackTimeoutMs: config.dispatch.ackTimeoutMs },
  });
}
