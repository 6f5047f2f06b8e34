import { Controller, Get } from '@nestjs/common';
import { AlertsService } from './alerts.service';
import { PatientView } from './patient-views';

@Controller('api/patients')
export class PatientsController {
  constructor(private readonly alerts: AlertsService) {}

  /** Every patient seen with latest vitals and NEWS2, the highest NEWS2 first. */
  @Get()
  list(): PatientView[] {
    return this.alerts.listPatients();
  }
}
