import type { DeviceRegistry, Principal } from '../registry/device-registry';
import { CertificateIdentity } from './broker-tls';

/**
 * CONNACK return codes of MQTT 3.1.1 [MQTT-3.2.2.3] the broker answers a refused CONNECT with.
 * mqtt.js (and any 3.1.1 client) reports the code to the device maker.
 */
export const ConnackCode = {
  /** the client id names another registered identity (a session must not be taken over) */
  IDENTIFIER_REJECTED: 2,
  /** the broker cannot check credentials yet: the device retries */
  SERVER_UNAVAILABLE: 3,
  /** the user name or password is missing half or does not match */
  BAD_USERNAME_OR_PASSWORD: 4,
  /** no identity at all, a revoked one, or a certificate that does not verify */
  NOT_AUTHORISED: 5,
} as const;

export type ConnectVerdict =
  | { readonly ok: true; readonly principal: Principal; readonly via: 'password' | 'certificate' }
  | { readonly ok: false; readonly returnCode: (typeof ConnackCode)[keyof typeof ConnackCode]; readonly reason: string };

export interface ConnectAttempt {
  readonly clientId: string;
  readonly username?: string;
  readonly password?: Buffer | string;
  readonly certificate: CertificateIdentity;
}

const refuse = (returnCode: Exclude<ConnectVerdict, { ok: true }>['returnCode'], reason: string): ConnectVerdict => ({ ok: false, returnCode, reason });

/**
 * Who is connecting. Either a user name and password the registry verifies, or a client
 * certificate the TLS listener verified against its CA whose subject CN names an active principal
 * (the password is then optional; when given it must be that principal's). Finally the client id:
 * a client may use any id, except the id of another registered device or principal it may not act
 * for; otherwise it could take over that identity's persistent session and its queued commands
 * ([MQTT-3.1.4-2] closes the existing connection with the same client id).
 */
export async function authenticateConnect(registry: DeviceRegistry, attempt: ConnectAttempt): Promise<ConnectVerdict> {
  const password = attempt.password === undefined ? undefined : Buffer.from(attempt.password).toString('utf8');
  const { certificate, username } = attempt;
  let principal: Principal;
  let via: 'password' | 'certificate';

  if (certificate.kind === 'invalid') return refuse(ConnackCode.NOT_AUTHORISED, `client certificate refused: ${certificate.reason}`);
  if (certificate.kind === 'verified') {
    const named = activePrincipal(registry, certificate.cn);
    if (!named) return refuse(ConnackCode.NOT_AUTHORISED, `certificate CN "${certificate.cn}" names no active principal`);
    if (username !== undefined && username !== certificate.cn) {
      return refuse(ConnackCode.NOT_AUTHORISED, `user name "${username}" differs from the certificate CN "${certificate.cn}"`);
    }
    if (password !== undefined && (await registry.authenticate(certificate.cn, password))?.id !== certificate.cn) {
      return refuse(ConnackCode.BAD_USERNAME_OR_PASSWORD, `wrong password for "${certificate.cn}"`);
    }
    principal = named;
    via = 'certificate';
  } else {
    if (username === undefined && password === undefined) return refuse(ConnackCode.NOT_AUTHORISED, 'no user name and password, and no client certificate');
    if (username === undefined || password === undefined) return refuse(ConnackCode.BAD_USERNAME_OR_PASSWORD, 'a user name needs its password');
    const verified = await registry.authenticate(username, password);
    if (!verified) {
      const revoked = registry.principal(username)?.status === 'revoked' || registry.device(username)?.status === 'revoked';
      return revoked
        ? refuse(ConnackCode.NOT_AUTHORISED, `"${username}" is revoked`)
        : refuse(ConnackCode.BAD_USERNAME_OR_PASSWORD, `wrong user name or password (user "${username}")`);
    }
    principal = verified;
    via = 'password';
  }

  if (attempt.clientId !== principal.id && namesOtherIdentity(registry, principal, attempt.clientId)) {
    return refuse(ConnackCode.IDENTIFIER_REJECTED, `client id "${attempt.clientId}" belongs to another identity than "${principal.id}"`);
  }
  return { ok: true, principal, via };
}

function activePrincipal(registry: DeviceRegistry, id: string): Principal | undefined {
  const record = registry.principal(id);
  if (record) return record.status === 'active' ? { kind: record.kind, id: record.id } : undefined;
  const device = registry.device(id);
  return device?.status === 'active' ? { kind: 'device', id: device.deviceId } : undefined;
}

/** A gateway may use the client id of an attached device (one connection per device behind it). */
function namesOtherIdentity(registry: DeviceRegistry, principal: Principal, clientId: string): boolean {
  if (registry.device(clientId)) return !(principal.kind === 'gateway' && registry.mayPublishFor(principal, clientId));
  return registry.principal(clientId) !== undefined;
}
