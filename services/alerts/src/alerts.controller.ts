import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ACCESS_PRINCIPAL, AccessPrincipal, PatientData, Roles } from '@pulseproof/contracts';
import { AlertsQueryParams, parseAlertsQuery } from './alerts.query';
import { AlertsService } from './alerts.service';
import { asHttp } from './errors';
import { AlertDetailView, AlertView } from './patient-views';

@Controller('api/alerts')
@Roles('clinician')
export class AlertsController {
  constructor(private readonly alerts: AlertsService) {}

  /** `?state=active|cleared|all|<status>` (default active), `?patientId=`, `?limit=` (default 100); newest first. */
  @Get()
  @PatientData({ query: 'patientId', response: 'list' })
  list(@Query() query: AlertsQueryParams): AlertView[] {
    return this.alerts.listAlerts(parseAlertsQuery(query));
  }

  /** One alert and its full history; 404 when unknown. */
  @Get(':id')
  @PatientData({ owner: { param: 'id', of: 'alert' }, response: 'none' })
  get(@Param('id') id: string): Promise<AlertDetailView> {
    return asHttp(() => this.alerts.alert(id));
  }

  /**
   * Idempotent; a cleared alert stays cleared. Acknowledged by the signed-in user; `{ "by": "<staff id>" }`
   * only counts for callers without a session of their own (the ADMIN_API_TOKEN, or no access guard).
   */
  @Post(':id/acknowledge')
  @PatientData({ owner: { param: 'id', of: 'alert' }, response: 'none' })
  @HttpCode(200)
  acknowledge(@Param('id') id: string, @Body() body: { by?: unknown } | undefined, @Req() request: { [ACCESS_PRINCIPAL]?: AccessPrincipal }): Promise<AlertDetailView> {
    const principal = request[ACCESS_PRINCIPAL];
    return asHttp(() => this.alerts.acknowledge(id, principal?.via === 'session' ? principal.username : body?.by));
  }
}
