import { DynamicModule, Module } from '@nestjs/common';
import { AlertsController } from './alerts.controller';
import { AlertsService } from './alerts.service';
import { ALERTS_OPTIONS, AlertsOptions, ResolvedAlertsOptions, resolveAlertsOptions } from './config';
import { PatientStateStore } from './patient-state.store';
import { PatientsController } from './patients.controller';

/**
 * The alerts service. Needs the app to provide `Bus` (from @pulseproof/bus) globally; consumes
 * `vitals.readings` as group `alerts` and publishes on `vitals.alerts`. Mounts `GET /api/alerts`
 * and `GET /api/patients`. Exports `AlertsService`, which is also the component's HealthReporter.
 */
@Module({})
export class AlertsModule {
  static forRoot(options: AlertsOptions): DynamicModule {
    const resolved = resolveAlertsOptions(options);
    return {
      module: AlertsModule,
      controllers: [AlertsController, PatientsController],
      providers: [
        { provide: ALERTS_OPTIONS, useValue: resolved },
        {
          provide: PatientStateStore,
          useFactory: (o: ResolvedAlertsOptions) => PatientStateStore.open(o.dataDir),
          inject: [ALERTS_OPTIONS],
        },
        AlertsService,
      ],
      exports: [AlertsService],
    };
  }
}
