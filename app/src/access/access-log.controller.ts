import { Controller, Get, Query } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';
import { Roles } from '@pulseproof/contracts';
import { AccessLog, parseAccessLogQuery } from './access-log';
import { asHttp } from './http-errors';

@Controller('api/access-log')
@Roles('admin')
export class AccessLogController {
  constructor(private readonly log: AccessLog) {}

  /** Reads of patient data, newest first: `?user=&patient=&from=&to=` (ISO 8601 or ms), `?limit=` (default 100). */
  @Get()
  @ApiQuery({ name: 'user', required: false, description: 'username' })
  @ApiQuery({ name: 'patient', required: false, description: 'patient id' })
  @ApiQuery({ name: 'from', required: false, description: 'ISO 8601 or ms since epoch' })
  @ApiQuery({ name: 'to', required: false, description: 'ISO 8601 or ms since epoch' })
  @ApiQuery({ name: 'limit', required: false, description: '1-10000, default 100' })
  query(@Query() params: Record<string, unknown>) {
    return asHttp(() => ({ entries: this.log.query(parseAccessLogQuery(params)) }));
  }
}
