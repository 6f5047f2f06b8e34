import { BadRequestException } from '@nestjs/common';
import { ID_PATTERN } from '@pulseproof/contracts';

/** Query-string parsing shared by ingest's read APIs: every bad value is a 400 naming the parameter. */
export function parseTimeParam(text: string | undefined, name: string): number | undefined {
  if (text === undefined || text === '') return undefined;
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms)) throw new BadRequestException(`"${name}" must be an ISO 8601 time or milliseconds since the epoch`);
  return ms;
}

export function parseLimitParam(text: string | undefined, fallback: number, max: number): number {
  if (text === undefined || text === '') return fallback;
  const limit = Number(text);
  if (!/^\d+$/.test(text) || !Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new BadRequestException(`"limit" must be a whole number from 1 to ${max}`);
  }
  return limit;
}

export function parseDeviceIdParam(text: string | undefined): string | undefined {
  if (text === undefined || text === '') return undefined;
  if (!ID_PATTERN.test(text)) throw new BadRequestException(`"deviceId" "${text.slice(0, 64)}" is not a valid device id`);
  return text;
}

export function parseBooleanParam(text: string | undefined, name: string): boolean | undefined {
  if (text === undefined || text === '') return undefined;
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new BadRequestException(`"${name}" must be true or false`);
}
