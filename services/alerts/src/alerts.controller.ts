import { Controller, Get, Query } from '@nestjs/common';
import { AlertsQueryParams, parseAlertsQuery } from './alerts.query';
import { AlertsService } from './alerts.service';
import { AlertView } from './patient-views';

@Controller('api/alerts')
export class AlertsController {
  constructor(private readonly alerts: AlertsService) {}

  /** `?state=active|cleared|all` (default active), `?patientId=`, `?limit=` (default 100); newest first. */
  @Get()
  list(@Query() query: AlertsQueryParams): AlertView[] {
    return this.alerts.listAlerts(parseAlertsQuery(query));
  }
}
