import { DynamicModule, Module } from '@nestjs/common';
import { MqttMessaging } from '@pulseproof/contracts';
import { DISPATCH_OPTIONS, DispatchOptions, ResolvedDispatchOptions, resolveDispatchOptions } from './dispatch-config';
import { DispatchController } from './dispatch.controller';
import { DISPATCH_MQTT, DispatchService } from './dispatch.service';
import { DispatchStore } from './dispatch.store';
import { PatientLocationController } from './patient-location.controller';

/**
 * Ambulance dispatch, imported by AlertsModule.forRoot when the app passes `mqtt`. Needs `Bus`
 * globally. Mounts `/api/dispatches`, `/api/units` and `/api/patients/:id/location`; exports
 * DispatchService (also the `dispatch` HealthReporter).
 */
@Module({})
export class DispatchModule {
  static forRoot(dataDir: string, mqtt: MqttMessaging, options: DispatchOptions = {}): DynamicModule {
    const resolved = resolveDispatchOptions(dataDir, options);
    return {
      module: DispatchModule,
      controllers: [DispatchController, PatientLocationController],
      providers: [
        { provide: DISPATCH_OPTIONS, useValue: resolved },
        { provide: DISPATCH_MQTT, useValue: mqtt },
        { provide: DispatchStore, useFactory: (o: ResolvedDispatchOptions) => DispatchStore.open(o.dataDir), inject: [DISPATCH_OPTIONS] },
        DispatchService,
      ],
      exports: [DispatchService],
    };
  }
}
