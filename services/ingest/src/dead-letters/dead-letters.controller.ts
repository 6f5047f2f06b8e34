import { BadRequestException, Controller, Get, Query } from '@nestjs/common';
import { Roles } from '@pulseproof/contracts';
import { IngestRejection } from '../errors';
import { parseDeviceIdParam, parseLimitParam, parseTimeParam } from '../query-params';
import { DeadLetterStore } from './dead-letter-store';

const MAX_LIMIT = 1_000;

@Controller('api/dead-letters')
@Roles('admin')
export class DeadLettersController {
  constructor(private readonly store: DeadLetterStore) {}

  /** Refused device messages, newest first, with all-time counts per reason. */
  @Get()
  list(
    @Query('reason') reason?: string,
    @Query('deviceId') deviceId?: string,
    @Query('since') since?: string,
    @Query('limit') limit?: string,
  ) {
    if (reason !== undefined && reason !== '' && !Object.prototype.hasOwnProperty.call(IngestRejection, reason)) {
      throw new BadRequestException(`"reason" must be one of ${Object.keys(IngestRejection).join(', ')}`);
    }
    const device = parseDeviceIdParam(deviceId);
    const from = parseTimeParam(since, 'since');
    const page = this.store.query({
      ...(reason && { reason }),
      ...(device !== undefined && { deviceId: device }),
      ...(from !== undefined && { since: from }),
      limit: parseLimitParam(limit, 100, MAX_LIMIT),
    });
    return { ...page, items: page.items.map((item) => ({ ...item, receivedAt: new Date(item.receivedAt).toISOString() })) };
  }
}

