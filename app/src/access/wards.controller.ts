import { Body, Controller, ForbiddenException, Get, Param, Post, Put, Req } from '@nestjs/common';
import { ApiBody } from '@nestjs/swagger';
import { ACCESS_PRINCIPAL, AccessPrincipal, PatientData, Roles } from '@pulseproof/contracts';
import { asHttp } from './http-errors';
import { PatientWardView, WardStore, WardView } from './ward-store';

type PrincipalRequest = { [ACCESS_PRINCIPAL]?: AccessPrincipal };

/** Wards and the patients in them; a clinician sees their own wards, an admin manages all. */
@Controller('api')
export class WardsController {
  constructor(private readonly wards: WardStore) {}

  /** Every ward (a clinician: their wards). */
  @Get('wards')
  @Roles('clinician', 'admin')
  list(@Req() request: PrincipalRequest): WardView[] {
    const principal = request[ACCESS_PRINCIPAL]!;
    const all = this.wards.list();
    return principal.role === 'clinician' ? all.filter((w) => principal.wards.includes(w.id)) : all;
  }

  /** `{ id, name }` */
  @Post('wards')
  @ApiBody({ schema: { type: 'object', required: ['id'], properties: { id: { type: 'string', example: 'ward-a' }, name: { type: 'string', example: 'Ward A' } } } })
  @Roles('admin')
  add(@Body() body: { id?: unknown; name?: unknown } | undefined): Promise<WardView> {
    return asHttp(() => this.wards.add({ id: body?.id, name: body?.name }));
  }

  /** The patients in a ward. */
  @Get('wards/:id/patients')
  @Roles('clinician', 'admin')
  @PatientData({ response: 'list' })
  patients(@Param('id') id: string, @Req() request: PrincipalRequest): Promise<PatientWardView[]> {
    const principal = request[ACCESS_PRINCIPAL]!;
    if (principal.role === 'clinician' && !principal.wards.includes(id)) {
      throw new ForbiddenException(`ward ${id} is not one of your wards (${principal.wards.join(', ') || 'none'}): ask an admin to add you to it`);
    }
    return asHttp(() => this.wards.patientsOf(id));
  }

  /** `{ wardId }`: moves the patient to that ward (a patient is in one ward at a time). */
  @Put('patients/:id/ward')
  @ApiBody({ schema: { type: 'object', required: ['wardId'], properties: { wardId: { type: 'string', example: 'ward-a' } } } })
  @Roles('admin')
  assign(@Param('id') id: string, @Body() body: { wardId?: unknown } | undefined, @Req() request: PrincipalRequest): Promise<PatientWardView> {
    return asHttp(() => this.wards.assignPatient(id, body?.wardId, request[ACCESS_PRINCIPAL]!.username));
  }
}
