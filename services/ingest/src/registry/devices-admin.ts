import {
  BadRequestException,
  ConflictException,
  HttpException,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { Assignment, DeviceRecord, DeviceRegistry, IssuedCredentials, PrincipalKind, PrincipalRecord } from './device-registry';
import { RegistryError, RegistryErrorCode } from './errors';

type Body = Record<string, unknown>;

const STATUS: Record<RegistryErrorCode, (message: string) => HttpException> = {
  INGEST_E_REGISTRY_BAD_ID: (m) => new BadRequestException(m),
  INGEST_E_REGISTRY_BAD_INPUT: (m) => new BadRequestException(m),
  INGEST_E_REGISTRY_WRONG_KIND: (m) => new BadRequestException(m),
  INGEST_E_REGISTRY_TIME_ORDER: (m) => new BadRequestException(m),
  INGEST_E_REGISTRY_UNKNOWN: (m) => new NotFoundException(m),
  INGEST_E_REGISTRY_EXISTS: (m) => new ConflictException(m),
  INGEST_E_REGISTRY_REVOKED: (m) => new ConflictException(m),
};

/** A registry refusal as the HTTP status that says whose fault it is (4xx, with the registry's message). */
async function http<T>(action: () => T | Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof RegistryError) throw STATUS[error.code](error.message);
    throw error;
  }
}

function asBody(body: unknown): Body {
  if (body === undefined || body === null || body === '') return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new BadRequestException('the body must be a JSON object');
  return body as Body;
}

function text(body: Body, key: string, required: true): string;
function text(body: Body, key: string, required?: false): string | undefined;
function text(body: Body, key: string, required = false): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) {
    if (required) throw new BadRequestException(`"${key}" is required`);
    return undefined;
  }
  if (typeof value !== 'string') throw new BadRequestException(`"${key}" must be a string`);
  return value;
}

/** A device time: ms since the epoch, or an ISO 8601 string with its zone. */
function time(body: Body, key: string): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  const ms = typeof value === 'number' ? value : typeof value === 'string' && /\d{4}-\d\d-\d\dT.*(Z|[+-]\d\d:?\d\d)$/.test(value) ? Date.parse(value) : NaN;
  if (!Number.isSafeInteger(ms) || ms < 0) throw new BadRequestException(`"${key}" must be ms since the epoch or an ISO 8601 time with a zone`);
  return ms;
}

/**
 * What the HTTP API adds to the registry: the request bodies checked and registry refusals turned
 * into 4xx. The controller stays decorators and one call each.
 */
@Injectable()
export class DevicesAdmin {
  constructor(private readonly registry: DeviceRegistry) {}

  list(): DeviceRecord[] {
    return this.registry.list();
  }

  get(deviceId: string): DeviceRecord & { assignments: Assignment[] } {
    const device = this.registry.device(deviceId);
    if (!device) throw new NotFoundException(`no device "${deviceId.slice(0, 64)}" is registered`);
    return { ...device, assignments: this.registry.assignments(deviceId) };
  }

  register(raw: unknown): Promise<{ device: DeviceRecord; credentials?: IssuedCredentials }> {
    const body = asBody(raw);
    const intervalMs = body['intervalMs'];
    if (intervalMs !== undefined && typeof intervalMs !== 'number') throw new BadRequestException('"intervalMs" must be a number of milliseconds');
    const credentials = body['credentials'];
    if (credentials !== undefined && typeof credentials !== 'boolean') throw new BadRequestException('"credentials" must be true or false');
    const patientId = text(body, 'patientId');
    const gatewayId = text(body, 'gatewayId');
    const at = time(body, 'at');
    return http(() =>
      this.registry.registerDevice({
        deviceId: text(body, 'deviceId', true),
        ...(patientId !== undefined && { patientId }),
        ...(gatewayId !== undefined && { gatewayId }),
        ...(intervalMs !== undefined && { intervalMs }),
        ...(credentials !== undefined && { credentials }),
        ...(at !== undefined && { at }),
      }),
    );
  }

  move(deviceId: string, raw: unknown): Promise<DeviceRecord & { assignments: Assignment[] }> {
    const body = asBody(raw);
    const patientId = text(body, 'patientId', true);
    const at = time(body, 'at');
    return http(() => {
      this.registry.move(deviceId, patientId, at);
      return this.get(deviceId);
    });
  }

  unassign(deviceId: string, raw: unknown): Promise<DeviceRecord & { assignments: Assignment[] }> {
    const at = time(asBody(raw), 'at');
    return http(() => {
      this.registry.unassign(deviceId, at);
      return this.get(deviceId);
    });
  }

  attach(deviceId: string, raw: unknown): Promise<DeviceRecord> {
    const gatewayId = text(asBody(raw), 'gatewayId', true);
    return http(() => {
      this.registry.attach(deviceId, gatewayId);
      return this.get(deviceId);
    });
  }

  detach(deviceId: string): Promise<DeviceRecord> {
    return http(() => {
      this.registry.detach(deviceId);
      return this.get(deviceId);
    });
  }

  /** Any principal, devices included. */
  revoke(id: string, raw: unknown): Promise<PrincipalRecord> {
    const at = time(asBody(raw), 'at');
    return http(() => {
      this.registry.revoke(id, at);
      return this.registry.principal(id)!;
    });
  }

  rotateSecret(id: string): Promise<{ credentials: IssuedCredentials }> {
    return http(async () => ({ credentials: await this.registry.rotateSecret(id) }));
  }

  principals(): PrincipalRecord[] {
    return this.registry.principals();
  }

  registerPrincipal(raw: unknown): Promise<{ principal: PrincipalRecord; credentials: IssuedCredentials }> {
    const body = asBody(raw);
    const kind = text(body, 'kind', true);
    const id = text(body, 'id', true);
    if (!['gateway', 'console', 'unit', 'service'].includes(kind)) {
      throw new BadRequestException('"kind" must be gateway, console, unit or service (devices: POST /api/devices)');
    }
    return http(async () => {
      const credentials = await this.registry.registerPrincipal(kind as Exclude<PrincipalKind, 'device'>, id);
      return { principal: this.registry.principal(id)!, credentials };
    });
  }
}
