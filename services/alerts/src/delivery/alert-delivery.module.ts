import { DynamicModule, Module } from '@nestjs/common';
import { AlertDeliveryController } from './alert-delivery.controller';
import { AlertDeliveryService } from './alert-delivery.service';
import { AlertStream } from './alert-stream';
import { AlertDeliveryOptions, DELIVERY_OPTIONS, ResolvedDeliveryOptions, resolveDeliveryOptions } from './delivery.config';
import { DeliveryStore } from './delivery-store';

/**
 * Alert delivery: consumes `vitals.alerts` as group `alert-delivery` and delivers each event to MQTT
 * consoles, webhooks and the live stream. Needs `Bus` from the app (global). Its controller is
 * declared by AlertsModule (ALERT_DELIVERY_CONTROLLERS, before the alerts controller, so that
 * `/api/alerts/stream` is not taken for an alert id); this module provides what it injects.
 */
@Module({})
export class AlertDeliveryModule {
  static forRoot(options: AlertDeliveryOptions): DynamicModule {
    const resolved = resolveDeliveryOptions(options);
    return {
      module: AlertDeliveryModule,
      providers: [
        { provide: DELIVERY_OPTIONS, useValue: resolved },
        { provide: DeliveryStore, useFactory: (o: ResolvedDeliveryOptions) => DeliveryStore.open(o.dataDir), inject: [DELIVERY_OPTIONS] },
        AlertStream,
        AlertDeliveryService,
      ],
      exports: [AlertDeliveryService, AlertStream],
    };
  }
}

/** Mounted by AlertsModule: `GET /api/alerts/deliveries`, `GET /api/alerts/stream`. */
export const ALERT_DELIVERY_CONTROLLERS = [AlertDeliveryController] as const;
