import { DynamicModule, Module, Provider } from '@nestjs/common';
import { AlertsController } from './alerts.controller';
import { AlertsService } from './alerts.service';
import { ALERTS_CLOCK, systemClock } from './clock';
import { ALERTS_OPTIONS, AlertsOptions, ResolvedAlertsOptions, resolveAlertsOptions } from './config';
import { TechnicalEventsConsumer } from './consumers/technical-events.consumer';
import { ReadingsConsumer } from './consumers/readings.consumer';
import { ALERT_DELIVERY_CONTROLLERS, AlertDeliveryModule } from './delivery/alert-delivery.module';
import { DispatchModule } from './dispatch/dispatch.module';
import { AlertLifecycle } from './lifecycle/alert-lifecycle';
import { EscalationScheduler } from './lifecycle/escalation.scheduler';
import { OutboxPublisher } from './lifecycle/outbox.publisher';
import { ObservationsService } from './observations/observations.service';
import { PatientStateStore } from './patient-state.store';
import { PatientsController } from './patients.controller';
import { News2Evaluator } from './rules/news2.evaluator';
import { PatientRulesService } from './rules/patient-rules.service';
import { PhysiologicalRules } from './rules/physiological.rules';
import { TechnicalAlarms } from './rules/technical.alarms';

/** Alerts core (issue 5): NEWS2, rules, technical alarms, alert lifecycle and escalation. */
const CORE_PROVIDERS: Provider[] = [
  OutboxPublisher,
  AlertLifecycle,
  EscalationScheduler,
  News2Evaluator,
  PhysiologicalRules,
  TechnicalAlarms,
  ReadingsConsumer,
  TechnicalEventsConsumer,
  ObservationsService,
  PatientRulesService,
  AlertsService,
];

/**
 * The alerts service. Needs the app to provide `Bus` (from @pulseproof/bus) globally; consumes
 * `vitals.readings`, `vitals.devicestatus` and `vitals.deadletters` as group `alerts` and publishes
 * on `vitals.alerts`. Mounts `/api/alerts` and `/api/patients`. Exports `AlertsService`, which is
 * also the component's HealthReporter, and `PatientStateStore`.
 */
@Module({})
export class AlertsModule {
  static forRoot(options: AlertsOptions): DynamicModule {
    const resolved = resolveAlertsOptions(options);
    // ambulance dispatch (H): runs when the app passes the MQTT broker units talk to
    const dispatch = options.messaging && options.dispatch?.enabled !== false ? [DispatchModule.forRoot(resolved.dataDir, options.messaging, options.dispatch)] : [];
    return {
      module: AlertsModule,
      imports: [AlertDeliveryModule.forRoot({ ...options.delivery, dataDir: resolved.dataDir, messaging: options.messaging }), ...dispatch],
      controllers: [
        // delivery first: its fixed paths (/api/alerts/stream, /api/alerts/deliveries) before /api/alerts/:id
        ...ALERT_DELIVERY_CONTROLLERS,
        AlertsController,
        PatientsController,
        // delivery (G) and dispatch (H) controllers below
      ],
      providers: [
        { provide: ALERTS_OPTIONS, useValue: resolved },
        { provide: ALERTS_CLOCK, useValue: options.clock ?? systemClock },
        {
          provide: PatientStateStore,
          useFactory: (o: ResolvedAlertsOptions) => PatientStateStore.open(o.dataDir),
          inject: [ALERTS_OPTIONS],
        },
        ...CORE_PROVIDERS,
        // delivery (G) and dispatch (H) providers below
      ],
      exports: [
        AlertsService,
        PatientStateStore,
        // delivery (G) and dispatch (H) exports below
        AlertDeliveryModule,
        ...(dispatch.length > 0 ? [DispatchModule] : []),
      ],
    };
  }
}
