/**
 * Who may connect and publish, and which patient a device's readings belong to at a given time.
 * Ingest, the embedded broker, the CLI and the HTTP API all ask this one registry.
 */

/**
 * `service` is PulseProof itself when it is a client of an external broker (ingest's shared
 * subscription, alert delivery, dispatch): it reads every device's readings and writes commands,
 * alerts and dispatch orders. Devices and other principals share one id space: the MQTT user name.
 */
export type PrincipalKind = 'device' | 'gateway' | 'console' | 'unit' | 'service';
export const PRINCIPAL_KINDS: readonly PrincipalKind[] = ['device', 'gateway', 'console', 'unit', 'service'];

/** Who is connected: the MQTT user name is the principal's id. */
export interface Principal {
  readonly kind: PrincipalKind;
  readonly id: string;
}

/** Shown once, when issued; only hashes are stored. */
export interface IssuedCredentials {
  readonly username: string;
  readonly password: string;
}

export interface DeviceRecord {
  readonly deviceId: string;
  readonly status: 'active' | 'revoked';
  /** the gateway that may publish for it */
  readonly gatewayId?: string;
  /** expected reporting interval (liveness), ms */
  readonly intervalMs: number;
  /** the open assignment's patient */
  readonly patientId?: string;
  readonly registeredAt: number;
  readonly revokedAt?: number;
  /** a device behind a gateway may have none */
  readonly hasCredentials: boolean;
}

/** The device's readings with device time in [from, to) belong to the patient. */
export interface Assignment {
  readonly deviceId: string;
  readonly patientId: string;
  readonly from: number;
  readonly to?: number;
}

export interface PrincipalRecord {
  readonly kind: PrincipalKind;
  readonly id: string;
  readonly status: 'active' | 'revoked';
  readonly registeredAt: number;
  readonly revokedAt?: number;
  readonly hasCredentials: boolean;
}

export interface RegisterDeviceInput {
  readonly deviceId: string;
  readonly patientId?: string;
  readonly gatewayId?: string;
  /** default DEFAULT_INTERVAL_MS */
  readonly intervalMs?: number;
  /** issue a user name and password (default true); false for a device that only speaks through a gateway */
  readonly credentials?: boolean;
  /** start of the first assignment, device time; default: the device's first reading */
  readonly at?: number;
}

export const DEFAULT_INTERVAL_MS = 60_000;

/**
 * The Nest injection token and the port. The hot-path queries are synchronous and answered from
 * memory; writes made by another process on the same file (the CLI) are seen within about a second.
 */
export abstract class DeviceRegistry {
  /** the patient whose assignment covers device time `at`; undefined when revoked or unassigned then */
  abstract patientFor(deviceId: string, at: number): string | undefined;
  abstract device(deviceId: string): DeviceRecord | undefined;
  abstract principal(id: string): PrincipalRecord | undefined;
  /** device: itself and active; gateway: active, and the device is attached to it and active */
  abstract mayPublishFor(principal: Principal, deviceId: string): boolean;
  /** the connect path: the principal when the password is its current secret and it is active */
  abstract authenticate(username: string, password: string): Promise<Principal | undefined>;

  abstract registerDevice(input: RegisterDeviceInput): Promise<{ device: DeviceRecord; credentials?: IssuedCredentials }>;
  abstract registerPrincipal(kind: Exclude<PrincipalKind, 'device'>, id: string): Promise<IssuedCredentials>;
  /** a new secret for a device or principal; the old one stops working at once */
  abstract rotateSecret(id: string): Promise<IssuedCredentials>;
  abstract attach(deviceId: string, gatewayId: string): void;
  abstract detach(deviceId: string): void;
  /** closes the open assignment at `at` and opens one for patientId; never re-labels earlier readings */
  abstract move(deviceId: string, patientId: string, at?: number): void;
  abstract unassign(deviceId: string, at?: number): void;
  /** a device or any other principal; for good (register a new id to replace it) */
  abstract revoke(id: string, at?: number): void;
  /** fires in this process for revocations made here or seen from other processes */
  abstract onRevoked(listener: (principal: Principal) => void): () => void;
  abstract list(): DeviceRecord[];
  abstract principals(): PrincipalRecord[];
  abstract assignments(deviceId: string): Assignment[];
  /** kept for existing callers and tests: registers the device without credentials, or moves it */
  abstract assign(deviceId: string, patientId: string): void;
  abstract close(): void;
}
