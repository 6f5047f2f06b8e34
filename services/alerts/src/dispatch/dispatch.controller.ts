import { Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { PATIENT_VISIBILITY, PatientData, PatientVisibility, Roles } from '@pulseproof/contracts';
import { DispatchQueryParams, parseDispatchQuery } from './dispatch-input';
import { DispatchService } from './dispatch.service';
import { DispatchDetailView, DispatchView, ScopedUnitView, UnitView } from './dispatch-views';

@Controller('api')
@Roles('clinician')
export class DispatchController {
  constructor(private readonly dispatch: DispatchService) {}

  /** `?state=open|closed|all` (default all), `?patientId=`, `?limit=` (default 100); newest first. */
  @Get('dispatches')
  @PatientData({ query: 'patientId', response: 'list' })
  list(@Query() query: DispatchQueryParams): DispatchView[] {
    return this.dispatch.listDispatches(parseDispatchQuery(query));
  }

  /** One dispatch with its route, every offer to a unit and its history. */
  @Get('dispatches/:id')
  @PatientData({ owner: { param: 'id', of: 'dispatch' }, response: 'none' })
  get(@Param('id') id: string): DispatchDetailView {
    return this.dispatch.dispatch(id);
  }

  /** Cancels an open dispatch; the unit holding it is told over MQTT. 409 when already closed. */
  @Post('dispatches/:id/cancel')
  @PatientData({ owner: { param: 'id', of: 'dispatch' }, response: 'none' })
  @HttpCode(200)
  cancel(@Param('id') id: string): Promise<DispatchDetailView> {
    return this.dispatch.cancel(id);
  }

  /**
   * Every ambulance unit heard from, with its last reported status and position. A unit on a
   * dispatch for a patient outside the caller's wards is only `busy`: on scene it stands at the patient.
   */
  @Get('units')
  units(@Req() request: { [PATIENT_VISIBILITY]?: PatientVisibility }): (UnitView | ScopedUnitView)[] {
    // no ward scope on the request (no guard ran): show no patient's whereabouts
    return this.dispatch.unitsFor(request[PATIENT_VISIBILITY] ?? (() => false));
  }
}
