import { Controller, Get, Query } from '@nestjs/common';
import { Roles } from '@pulseproof/contracts';
import { parseBooleanParam, parseDeviceIdParam, parseLimitParam } from '../query-params';
import { SequenceGapStore } from './sequence-gap-store';

const MAX_LIMIT = 1_000;

@Controller('api/sequence-gaps')
@Roles('admin')
export class SequenceGapsController {
  constructor(private readonly store: SequenceGapStore) {}

  /** Sequence gaps, newest first: `open=true` for those still missing readings. */
  @Get()
  list(@Query('deviceId') deviceId?: string, @Query('open') open?: string, @Query('limit') limit?: string) {
    const openOnly = parseBooleanParam(open, 'open');
    const device = parseDeviceIdParam(deviceId);
    const gaps = this.store.query({
      ...(device !== undefined && { deviceId: device }),
      ...(openOnly !== undefined && { open: openOnly }),
      limit: parseLimitParam(limit, 100, MAX_LIMIT),
    });
    return {
      totals: this.store.totals(),
      gaps: gaps.map((gap) => ({
        ...gap,
        detectedAt: new Date(gap.detectedAt).toISOString(),
        ...(gap.closedAt !== undefined && { closedAt: new Date(gap.closedAt).toISOString() }),
      })),
    };
  }
}
