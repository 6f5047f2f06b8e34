import { BadRequestException, Controller, Get, Query } from '@nestjs/common';
import { PatientData, Roles } from '@pulseproof/contracts';
import { LivenessService } from './liveness.service';

const STATES = ['online', 'offline', 'silent', 'unknown'] as const;

@Controller('api/liveness')
@Roles('clinician')
@PatientData({ response: { listKey: 'devices' } })
export class LivenessController {
  constructor(private readonly liveness: LivenessService) {}

  /** Every active device: online/offline/silent, connection, last seen; `?state=silent` filters. */
  @Get()
  list(@Query('state') state?: string) {
    if (state !== undefined && state !== '' && !(STATES as readonly string[]).includes(state)) {
      throw new BadRequestException(`"state" must be one of ${STATES.join(', ')}`);
    }
    const devices = this.liveness.view(state ? (state as (typeof STATES)[number]) : undefined);
    const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
    return { devices: devices.map((d) => ({ ...d, lastSeenAt: iso(d.lastSeenAt), silentAfter: iso(d.silentAfter) })) };
  }
}
