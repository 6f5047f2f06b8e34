import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { AlertsService } from './alerts.service';
import { asHttp } from './errors';
import { Observation } from './observations/observation.store';
import { ObservationInput, ObservationsService } from './observations/observations.service';
import { News2Result } from './news2';
import { PatientView } from './patient-views';
import { PatientRulesService, PatientRulesView } from './rules/patient-rules.service';

@Controller('api/patients')
export class PatientsController {
  constructor(
    private readonly alerts: AlertsService,
    private readonly observations: ObservationsService,
    private readonly rules: PatientRulesService,
  ) {}

  /** Every patient seen with latest vitals and NEWS2, the highest NEWS2 first. */
  @Get()
  list(): PatientView[] {
    return this.alerts.listPatients();
  }

  @Get(':id')
  get(@Param('id') id: string): Promise<PatientView> {
    return asHttp(() => this.alerts.patient(id));
  }

  /** `{ consciousness?: A|C|V|P|U, supplementalOxygen?: boolean, spo2Scale?: 1|2, observedBy, at? }`; answers the new NEWS2. */
  @Post(':id/observations')
  @HttpCode(201)
  observe(@Param('id') id: string, @Body() body: ObservationInput): Promise<{ observation: Observation; news2: News2Result }> {
    return asHttp(() => this.observations.record(id, body ?? {}));
  }

  /** The patient's staff observations, newest first. */
  @Get(':id/observations')
  observationHistory(@Param('id') id: string): Promise<Observation[]> {
    return asHttp(() => this.observations.history(id));
  }

  /** The rules evaluated beside NEWS2 (the defaults until changed). */
  @Get(':id/rules')
  getRules(@Param('id') id: string): Promise<PatientRulesView> {
    return asHttp(() => this.rules.get(id));
  }

  /** `{ by, rules }`: replaces the patient's rules; 400 names the first invalid field. */
  @Put(':id/rules')
  putRules(@Param('id') id: string, @Body() body: unknown): Promise<PatientRulesView> {
    return asHttp(() => this.rules.put(id, body));
  }
}
