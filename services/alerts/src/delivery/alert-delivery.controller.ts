import { Controller, Get, Headers, MessageEvent, Query, Sse } from '@nestjs/common';
import { PatientData, Roles } from '@pulseproof/contracts';
import { Observable } from 'rxjs';
import { AlertDeliveryService, DeliveryView } from './alert-delivery.service';
import { AlertStream } from './alert-stream';
import { DeliveriesQueryParams, StreamQueryParams, parseDeliveriesQuery, parseStreamRequest } from './delivery.query';

/**
 * `GET /api/alerts/deliveries` and `GET /api/alerts/stream`. Listed before the alerts controller in
 * AlertsModule so that these fixed paths win over `/api/alerts/:id` routes.
 */
@Controller('api/alerts')
export class AlertDeliveryController {
  constructor(
    private readonly delivery: AlertDeliveryService,
    private readonly stream: AlertStream,
  ) {}

  /** `?state=pending|delivered|failed` (default all), `?channel=mqtt|webhook`, `?limit=` (default 100); newest first. */
  @Get('deliveries')
  // delivery bookkeeping (targets, attempts), for whoever runs the consoles and webhooks
  @Roles('admin')
  deliveries(@Query() query: DeliveriesQueryParams): DeliveryView[] {
    return this.delivery.listDeliveries(parseDeliveriesQuery(query));
  }

  /** Server-Sent Events: `event: alert`, `id: <seq>`, `data: <AlertEvent>`; resumes from Last-Event-ID; `?patientId=` filters. */
  @Sse('stream')
  @Roles('clinician')
  @PatientData({ query: 'patientId', response: 'events' })
  live(@Headers('last-event-id') lastEventId: string | undefined, @Query() query: StreamQueryParams): Observable<MessageEvent> {
    return this.stream.open(parseStreamRequest(lastEventId, query));
  }
}
