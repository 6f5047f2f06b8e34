import { TLSSocket, TlsOptions } from 'node:tls';

/** Whether the TLS listener asks devices for a client certificate (mTLS). */
export type ClientCertificateMode = 'off' | 'optional' | 'required';

export interface BrokerTlsOptions {
  /** 0 picks a free port (tests) */
  readonly port: number;
  /** default: the plain listener's host */
  readonly host?: string;
  /** PEM: the server's certificate chain and private key */
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  /** PEM: the CA that signs client certificates; required unless clientCertificates is 'off' */
  readonly ca?: string | Buffer;
  /** default 'off' */
  readonly clientCertificates?: ClientCertificateMode;
}

/**
 * Node's TLS server options for the broker's second listener. `optional` asks for a certificate but
 * lets the handshake finish without one (the device then signs in with its password); `required`
 * ends the handshake of a device without a certificate the CA signed.
 */
export function tlsServerOptions(options: BrokerTlsOptions): TlsOptions {
  const mode = options.clientCertificates ?? 'off';
  if (mode !== 'off' && !options.ca) throw new Error(`client certificates "${mode}" need the CA that signs them (ca)`);
  return {
    cert: options.cert,
    key: options.key,
    ...(options.ca !== undefined && { ca: options.ca }),
    requestCert: mode !== 'off',
    rejectUnauthorized: mode === 'required',
    minVersion: 'TLSv1.2',
  };
}

/**
 * Lets a TLS connection through to the broker unless it presented a certificate that does not
 * verify (optional mode; required mode ends those in the handshake). Such a socket is closed here:
 * OpenSSL may report the failed verification again later as a socket error, after aedes has taken
 * the socket, which then never closes. Returns whether the socket was handed on.
 */
export function admitTlsSocket(socket: TLSSocket, handle: (socket: TLSSocket) => void): boolean {
  if (!socket.authorized && Object.keys(socket.getPeerCertificate() ?? {}).length > 0) {
    socket.on('error', () => undefined);
    socket.destroy();
    return false;
  }
  handle(socket);
  return true;
}

/** What the transport says about a client's certificate. */
export type CertificateIdentity =
  | { readonly kind: 'none' }
  /** verified against the configured CA; `cn` is the subject's common name */
  | { readonly kind: 'verified'; readonly cn: string }
  /** presented, but the CA did not sign it, it expired, or it names no CN */
  | { readonly kind: 'invalid'; readonly reason: string };

export function certificateIdentity(conn: unknown): CertificateIdentity {
  if (!(conn instanceof TLSSocket)) return { kind: 'none' };
  const peer = conn.getPeerCertificate();
  if (!peer || Object.keys(peer).length === 0) return { kind: 'none' };
  if (!conn.authorized) return { kind: 'invalid', reason: String(conn.authorizationError ?? 'not verified') };
  // A subject may carry several CNs; then node gives an array, and an identity must be one name.
  const cn = peer.subject?.CN as unknown;
  if (typeof cn !== 'string' || cn === '') return { kind: 'invalid', reason: 'the certificate subject has no single CN' };
  return { kind: 'verified', cn };
}

