import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { PatientData, Roles } from '@pulseproof/contracts';
import { parseLocationInput, parsePatientId } from './dispatch-input';
import { DispatchService } from './dispatch.service';
import { PatientLocationView } from './dispatch-views';

@Controller('api/patients')
@Roles('clinician')
@PatientData({ param: 'id', response: 'none' })
export class PatientLocationController {
  constructor(private readonly dispatch: DispatchService) {}

  /** `{outsideHospital: boolean, home?: {lat, lon}}` (WGS 84 degrees); 400 with a message when invalid. */
  @Put(':id/location')
  set(@Param('id') id: string, @Body() body: unknown): Promise<PatientLocationView> {
    return this.dispatch.setLocation(parsePatientId(id), parseLocationInput(body));
  }

  @Get(':id/location')
  get(@Param('id') id: string): PatientLocationView {
    return this.dispatch.location(parsePatientId(id));
  }
}
