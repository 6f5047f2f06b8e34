import { BadRequestException, Controller, Get, Param, Query } from '@nestjs/common';
import { ID_PATTERN, MEASUREMENTS, MeasurementCode } from '@pulseproof/contracts';
import { ReadingStore } from './adapters/reading-store';

const HOUR = 3_600_000;
const MAX_LIMIT = 10_000;

@Controller('api/patients')
export class VitalsController {
  constructor(private readonly store: ReadingStore) {}

  /** A patient's readings between `from` and `to` (ISO 8601 or ms since epoch; default the last hour). */
  @Get(':patientId/vitals')
  vitals(
    @Param('patientId') patientId: string,
    @Query('from') fromText?: string,
    @Query('to') toText?: string,
    @Query('limit') limitText?: string,
  ) {
    if (!ID_PATTERN.test(patientId)) throw new BadRequestException(`patient id "${patientId.slice(0, 64)}" is not a valid id`);
    const to = parseTime(toText, 'to') ?? Date.now();
    const from = parseTime(fromText, 'from') ?? to - HOUR;
    if (from > to) throw new BadRequestException('"from" must not be after "to"');
    const limit = limitText === undefined ? 1_000 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      throw new BadRequestException(`"limit" must be a whole number from 1 to ${MAX_LIMIT}`);
    }
    const readings = this.store.vitals({ patientId, from, to, limit });
    return {
      patientId,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      units: Object.fromEntries(Object.entries(MEASUREMENTS).map(([code, spec]) => [code, spec.unit])),
      readings: readings.map((r) => ({
        id: `${r.deviceId}:${r.seq}`,
        deviceId: r.deviceId,
        seq: r.seq,
        time: new Date(r.deviceTime).toISOString(),
        receivedAt: new Date(r.receivedAt).toISOString(),
        measurements: r.measurements as Partial<Record<MeasurementCode, number>>,
      })),
    };
  }
}

function parseTime(text: string | undefined, name: string): number | undefined {
  if (text === undefined || text === '') return undefined;
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms)) throw new BadRequestException(`"${name}" must be an ISO 8601 time or milliseconds since the epoch`);
  return ms;
}
