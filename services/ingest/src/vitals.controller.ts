import { BadRequestException, Controller, Get, Param, Query } from '@nestjs/common';
import { MEASUREMENTS, MeasurementCode, readingId, PatientData, Roles } from '@pulseproof/contracts';
import { ReadingStore } from './adapters/reading-store';
import { parseHistoryParams, parsePatientId } from './queries/history-params';
import { parseTimeParam } from './query-params';

const HOUR = 3_600_000;
const MAX_LIMIT = 10_000;

@Controller('api/patients')
@Roles('clinician')
@PatientData({ param: 'patientId', response: 'none' })
export class VitalsController {
  constructor(private readonly store: ReadingStore) {}

  /** A patient's readings between `from` and `to` (ISO 8601 or ms since epoch; default the last hour). */
  @Get(':patientId/vitals')
  async vitals(
    @Param('patientId') patientId: string,
    @Query('from') fromText?: string,
    @Query('to') toText?: string,
    @Query('limit') limitText?: string,
  ) {
    parsePatientId(patientId);
    const to = parseTimeParam(toText, 'to') ?? Date.now();
    const from = parseTimeParam(fromText, 'from') ?? to - HOUR;
    if (from > to) throw new BadRequestException('"from" must not be after "to"');
    const limit = limitText === undefined ? 1_000 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      throw new BadRequestException(`"limit" must be a whole number from 1 to ${MAX_LIMIT}`);
    }
    const readings = await this.store.vitals({ patientId, from, to, limit });
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
        ...(r.late && { late: true }),
      })),
    };
  }

  /** One measurement downsampled to min/mean/max/count per bucket of device time. */
  @Get(':patientId/history')
  async history(
    @Param('patientId') patientId: string,
    @Query() params: { measurement?: string; from?: string; to?: string; bucket?: string },
  ) {
    const query = parseHistoryParams(patientId, params);
    const buckets = await this.store.history(query);
    return {
      patientId,
      measurement: query.measurement,
      unit: MEASUREMENTS[query.measurement].unit,
      from: new Date(query.from).toISOString(),
      to: new Date(query.to).toISOString(),
      bucketMs: query.bucketMs,
      buckets: buckets.map((b) => ({ ...b, start: new Date(b.start).toISOString() })),
    };
  }

  /** Each measurement's most recent value for the patient, by device time. */
  @Get(':patientId/latest')
  async latest(@Param('patientId') patientId: string) {
    const values = await this.store.latest(parsePatientId(patientId));
    return {
      patientId,
      values: Object.fromEntries(
        Object.entries(values).map(([code, v]) => [
          code,
          { value: v.value, unit: MEASUREMENTS[code as MeasurementCode].unit, time: new Date(v.deviceTime).toISOString(), reading: readingId(v.deviceId, v.seq) },
        ]),
      ),
    };
  }
}
