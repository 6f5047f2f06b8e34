import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { AlertsQueryParams, parseAlertsQuery } from './alerts.query';
import { AlertsService } from './alerts.service';
import { asHttp } from './errors';
import { AlertDetailView, AlertView } from './patient-views';

@Controller('api/alerts')
export class AlertsController {
  constructor(private readonly alerts: AlertsService) {}

  /** `?state=active|cleared|all|<status>` (default active), `?patientId=`, `?limit=` (default 100); newest first. */
  @Get()
  list(@Query() query: AlertsQueryParams): AlertView[] {
    return this.alerts.listAlerts(parseAlertsQuery(query));
  }

  /** One alert and its full history; 404 when unknown. */
  @Get(':id')
  get(@Param('id') id: string): Promise<AlertDetailView> {
    return asHttp(() => this.alerts.alert(id));
  }

  /** `{ "by": "<staff id>" }` (until sign-in, issue 7); idempotent; a cleared alert stays cleared. */
  @Post(':id/acknowledge')
  @HttpCode(200)
  acknowledge(@Param('id') id: string, @Body() body: { by?: unknown } | undefined): Promise<AlertDetailView> {
    return asHttp(() => this.alerts.acknowledge(id, body?.by));
  }
}
