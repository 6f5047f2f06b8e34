import { BadRequestException } from '@nestjs/common';
import { ID_PATTERN, MEASUREMENT_CODES, MeasurementCode, isMeasurementCode } from '@pulseproof/contracts';
import { HistoryQuery } from '../adapters/reading-store';
import { parseTimeParam } from '../query-params';

const SECOND = 1_000;
const DAY = 86_400_000;
/** most buckets one history request may ask for: a year of hourly points is 8,760 */
export const MAX_HISTORY_BUCKETS = 10_000;
/** the bucket `auto` picks: the first that gives at most AUTO_BUCKETS over the range */
const AUTO_BUCKETS = 500;
const NICE_BUCKETS = [1, 5, 15, 30, 60, 300, 900, 1_800, 3_600, 21_600, 86_400, 604_800].map((s) => s * SECOND);
const UNIT_MS: Record<string, number> = { ms: 1, s: SECOND, m: 60 * SECOND, h: 3_600 * SECOND, d: DAY };

export function parsePatientId(patientId: string): string {
  if (!ID_PATTERN.test(patientId)) throw new BadRequestException(`patient id "${patientId.slice(0, 64)}" is not a valid id`);
  return patientId;
}

export function parseMeasurement(text: string | undefined): MeasurementCode {
  if (text === undefined || text === '') {
    throw new BadRequestException(`"measurement" is required: one of ${MEASUREMENT_CODES.join(', ')}`);
  }
  if (!isMeasurementCode(text)) {
    throw new BadRequestException(`unknown measurement "${text.slice(0, 64)}": one of ${MEASUREMENT_CODES.join(', ')}`);
  }
  return text;
}

/**
 * `GET /api/patients/:id/history` parameters: `from`/`to` as for /vitals (default the last 24 h),
 * `bucket` a duration (`90000`, `30s`, `5m`, `1h`, `1d`; at least 1 s) or `auto` (the default).
 */
export function parseHistoryParams(
  patientId: string,
  params: { measurement?: string; from?: string; to?: string; bucket?: string },
  now = Date.now(),
): HistoryQuery {
  const measurement = parseMeasurement(params.measurement);
  const to = parseTimeParam(params.to, 'to') ?? now;
  const from = parseTimeParam(params.from, 'from') ?? to - DAY;
  if (from > to) throw new BadRequestException('"from" must not be after "to"');
  const span = to - from + 1;
  const bucketMs = params.bucket === undefined || params.bucket === '' || params.bucket === 'auto' ? autoBucket(span) : parseBucket(params.bucket);
  const buckets = Math.ceil(span / bucketMs);
  if (buckets > MAX_HISTORY_BUCKETS) {
    const least = Math.ceil(span / MAX_HISTORY_BUCKETS / SECOND) * SECOND;
    throw new BadRequestException(
      `${buckets} buckets requested: at most ${MAX_HISTORY_BUCKETS} per request; use a bucket of at least ${least} ms or a shorter range`,
    );
  }
  return { patientId: parsePatientId(patientId), measurement, from, to, bucketMs };
}

function parseBucket(text: string): number {
  const match = /^(\d{1,12})(ms|s|m|h|d)?$/.exec(text);
  const ms = match ? Number(match[1]) * UNIT_MS[match[2] ?? 'ms']! : NaN;
  if (!Number.isSafeInteger(ms) || ms < SECOND) {
    throw new BadRequestException(`"bucket" must be "auto" or a duration of at least 1 s, e.g. 30s, 5m, 1h, 1d or 60000 (ms)`);
  }
  return ms;
}

function autoBucket(span: number): number {
  return NICE_BUCKETS.find((b) => Math.ceil(span / b) <= AUTO_BUCKETS) ?? Math.ceil(span / AUTO_BUCKETS / DAY) * DAY;
}
