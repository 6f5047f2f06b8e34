import { Body, Controller, Get, HttpCode, Param, Post, Put, Req } from '@nestjs/common';
import { ACCESS_PRINCIPAL, AccessPrincipal, PatientData, Roles } from '@pulseproof/contracts';
import { AlertsService } from './alerts.service';
import { asHttp } from './errors';
import { Observation } from './observations/observation.store';
import { ObservationInput, ObservationsService } from './observations/observations.service';
import { News2Result } from './news2';
import { PatientView } from './patient-views';
import { PatientRulesService, PatientRulesView } from './rules/patient-rules.service';

type SignedInRequest = { [ACCESS_PRINCIPAL]?: AccessPrincipal };

/** The signed-in user's name, which a body cannot override; undefined for the ADMIN_API_TOKEN (scripts name the staff member). */
function signedInUser(request: SignedInRequest): string | undefined {
  const principal = request[ACCESS_PRINCIPAL];
  return principal?.via === 'session' ? principal.username : undefined;
}

/** The body with `key` set to the signed-in user (an object body only: anything else is left for the validator to refuse). */
function namedBy<T>(body: T, key: string, user: string | undefined): T {
  return user !== undefined && typeof body === 'object' && body !== null && !Array.isArray(body) ? { ...body, [key]: user } : body;
}

@Controller('api/patients')
@Roles('clinician')
@PatientData({ param: 'id', response: 'none' })
export class PatientsController {
  constructor(
    private readonly alerts: AlertsService,
    private readonly observations: ObservationsService,
    private readonly rules: PatientRulesService,
  ) {}

  /** Every patient seen with latest vitals and NEWS2, the highest NEWS2 first. */
  @Get()
  @PatientData({ response: 'list' })
  list(): PatientView[] {
    return this.alerts.listPatients();
  }

  @Get(':id')
  get(@Param('id') id: string): Promise<PatientView> {
    return asHttp(() => this.alerts.patient(id));
  }

  /**
   * `{ consciousness?: A|C|V|P|U, supplementalOxygen?: boolean, spo2Scale?: 1|2, observedBy, at? }`; answers the new NEWS2.
   * A signed-in user is the observer whatever `observedBy` says; only the ADMIN_API_TOKEN names one.
   */
  @Post(':id/observations')
  @HttpCode(201)
  observe(@Param('id') id: string, @Body() body: ObservationInput, @Req() request: SignedInRequest): Promise<{ observation: Observation; news2: News2Result }> {
    return asHttp(() => this.observations.record(id, namedBy(body ?? {}, 'observedBy', signedInUser(request))));
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

  /** `{ by, rules }`: replaces the patient's rules; 400 names the first invalid field. A signed-in user is `by`, whatever the body says. */
  @Put(':id/rules')
  putRules(@Param('id') id: string, @Body() body: unknown, @Req() request: SignedInRequest): Promise<PatientRulesView> {
    return asHttp(() => this.rules.put(id, namedBy(body, 'by', signedInUser(request))));
  }
}
