import { DynamicModule, Global, Module, Provider } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { AlertDeliveryService, AlertsService, DispatchService } from '@pulseproof/alerts';
import { AnchorChainOptions, AnchorHealth } from '@pulseproof/anchor';
import { Bus } from '@pulseproof/bus';
import { HealthReporter, MqttMessaging } from '@pulseproof/contracts';
import { IngestService, LivenessService, ReadingSource } from '@pulseproof/ingest';
import { AccessGuard, AccessModule, PatientRecords, PatientScopeInterceptor, accessOptionsOf } from '../access';
import { PulseProofConfig } from '../config';
import { HEALTH_REPORTERS, HealthController } from '../health.controller';
import { alertsModuleFor, anchorModuleFor, ingestModuleFor } from './service-modules';

/** The bus the service injects; created and closed by the process, not by Nest. */
@Global()
@Module({})
class ProcessBusModule {
  static with(bus: Bus): DynamicModule {
    return { module: ProcessBusModule, providers: [{ provide: Bus, useValue: bus }], exports: [Bus] };
  }
}

export type ServiceWiring =
  | { readonly service: 'ingest'; readonly source: ReadingSource & MqttMessaging }
  | { readonly service: 'anchor'; readonly chain: AnchorChainOptions }
  | { readonly service: 'alerts'; readonly messaging?: MqttMessaging };

/**
 * One service in its own process: its module, the bus, and `/api/health` with that service's
 * reporters (plus the bus and broker, which live outside Nest).
 */
@Module({})
export class ServiceProcessModule {
  static forService(config: PulseProofConfig, bus: Bus, wiring: ServiceWiring, extraReporters: readonly HealthReporter[]): DynamicModule {
    const base = { module: ServiceProcessModule, controllers: [HealthController] };
    // The same access control as the embedded app: every route declares who may call it. Users,
    // wards and sessions live in ACCESS_DB_FILE, which processes on one host share (a shared
    // volume); ADMIN_API_TOKEN works on each.
    const access = AccessModule.forRoot(accessOptionsOf(config));
    const guarded = (records: Provider): Provider[] => [
      { provide: APP_GUARD, useClass: AccessGuard },
      { provide: APP_INTERCEPTOR, useClass: PatientScopeInterceptor },
      records,
    ];
    // ingest and anchor serve no alert or dispatch by id
    const noRecords: Provider = { provide: PatientRecords, useValue: { patientOf: () => undefined } };
    const reporters = (...own: HealthReporter[]): HealthReporter[] => [...extraReporters, ...own];
    switch (wiring.service) {
      case 'ingest':
        return {
          ...base,
          imports: [ProcessBusModule.with(bus), access, ingestModuleFor(config, wiring.source)],
          providers: [...guarded(noRecords), { provide: HEALTH_REPORTERS, inject: [IngestService, LivenessService], useFactory: (i: IngestService, l: LivenessService) => reporters(i, l) }],
        };
      case 'anchor':
        return {
          ...base,
          imports: [ProcessBusModule.with(bus), access, anchorModuleFor(config, wiring.chain)],
          providers: [...guarded(noRecords), { provide: HEALTH_REPORTERS, inject: [AnchorHealth], useFactory: (a: AnchorHealth) => reporters(...a.reporters()) }],
        };
      case 'alerts':
        return {
          ...base,
          imports: [ProcessBusModule.with(bus), access, alertsModuleFor(config, wiring.messaging)],
          providers: [
            ...guarded({
              provide: PatientRecords,
              inject: [AlertsService, { token: DispatchService, optional: true }],
              useFactory: (alerts: AlertsService, dispatch: DispatchService | undefined): PatientRecords => ({
                patientOf: (kind, id) => {
                  try {
                    return kind === 'alert' ? alerts.alert(id).alert.patientId : dispatch?.dispatch(id).patientId;
                  } catch {
                    return undefined; // unknown id: the route itself answers 404
                  }
                },
              }),
            }),
            {
              provide: HEALTH_REPORTERS,
              // dispatch runs only with an MQTT broker (MQTT_URL)
              inject: [AlertsService, AlertDeliveryService, { token: DispatchService, optional: true }],
              useFactory: (a: AlertsService, d: AlertDeliveryService, dispatch: DispatchService | undefined) => reporters(a, d, ...(dispatch ? [dispatch] : [])),
            },
          ],
        };
    }
  }
}
