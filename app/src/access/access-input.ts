import { ID_PATTERN, ROLES, Role } from '@pulseproof/contracts';
import { AccessError } from './access-errors';

/** usernames and ward ids follow the device and patient id rule */
const NAME = ID_PATTERN;
/** NIST SP 800-63B 5.1.1.2: at least 8 characters; the upper bound keeps scrypt's input sane. */
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 256;

export function parseUsername(value: unknown): string {
  if (typeof value !== 'string' || !NAME.test(value)) {
    throw new AccessError('ACCESS_E_INVALID', 'username must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit');
  }
  return value;
}

export function parseWardId(value: unknown): string {
  if (typeof value !== 'string' || !NAME.test(value)) {
    throw new AccessError('ACCESS_E_INVALID', 'ward id must be 1-64 letters, digits, ".", "_" or "-", e.g. ward-a');
  }
  return value;
}

export function parsePatientIdInput(value: unknown): string {
  if (typeof value !== 'string' || !NAME.test(value)) {
    throw new AccessError('ACCESS_E_INVALID', 'patient id must be 1-64 letters, digits, ".", "_" or "-"');
  }
  return value;
}

export function parseRole(value: unknown): Role {
  if (typeof value !== 'string' || !(ROLES as readonly string[]).includes(value)) {
    throw new AccessError('ACCESS_E_INVALID', `role must be one of ${ROLES.join(', ')}`);
  }
  return value as Role;
}

export function parsePassword(value: unknown): string {
  if (typeof value !== 'string' || value.length < MIN_PASSWORD_LENGTH || value.length > MAX_PASSWORD_LENGTH) {
    throw new AccessError('ACCESS_E_INVALID', `password must be ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters`);
  }
  return value;
}

export function parseWardList(value: unknown): string[] {
  if (!Array.isArray(value)) throw new AccessError('ACCESS_E_INVALID', 'wards must be a list of ward ids, e.g. ["ward-a"]');
  return [...new Set(value.map(parseWardId))];
}
