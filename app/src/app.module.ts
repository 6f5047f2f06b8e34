import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { AlertDeliveryService, AlertsService, DispatchService } from '@pulseproof/alerts';
import { AnchorChainOptions, AnchorHealth } from '@pulseproof/anchor';
import { Bus } from '@pulseproof/bus';
import { HealthReporter, MqttMessaging } from '@pulseproof/contracts';
import { IngestService, LivenessService, ReadingSource } from '@pulseproof/ingest';
import { AccessGuard, AccessModule, PatientRecords, PatientScopeInterceptor, accessOptionsOf } from './access';
import { PulseProofConfig } from './config';
import { DashboardModule } from './dashboard';
import { HEALTH_REPORTERS, HealthController } from './health.controller';
import { alertsModuleFor, anchorModuleFor, ingestModuleFor } from './processes/service-modules';

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
        AccessModule.forRoot(accessOptionsOf(config)),
        // the same service modules as a service process (processes/service-modules.ts)
        ingestModuleFor(config, broker),
        anchorModuleFor(config, chain),
        // consoles and ambulance units talk over the broker the devices use
        alertsModuleFor(config, broker),
        DashboardModule.forRoot({ rpcUrl: chain.rpcUrl }),
      ],
      controllers: [HealthController],
      providers: [
        // every route declares who may call it (issue 7); see docs/access-control.md
        { provide: APP_GUARD, useClass: AccessGuard },
        { provide: APP_INTERCEPTOR, useClass: PatientScopeInterceptor },
        { provide: PatientRecords, inject: [AlertsService, DispatchService], useFactory: patientRecords },
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

/** Alerts and dispatches name their patient: looked up so a clinician is refused before a change. */
function patientRecords(alerts: AlertsService, dispatch: DispatchService): PatientRecords {
  const find = (lookup: () => { patientId: string }): string | undefined => {
    try {
      return lookup().patientId;
    } catch {
      return undefined; // unknown id: the route itself answers 404
    }
  };
  return { patientOf: (kind, id) => (kind === 'alert' ? find(() => alerts.alert(id).alert) : find(() => dispatch.dispatch(id))) };
}
