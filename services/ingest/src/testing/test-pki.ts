import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A throw-away PKI for TLS tests, made with Debian's `openssl` CLI in a temp dir: a CA, a server
 * certificate for 127.0.0.1/localhost, and client certificates whose subject CN is an identity.
 * EC P-256 keys keep generation fast. Nothing here is used in production.
 */
export interface TestPki {
  readonly dir: string;
  /** PEM */
  readonly ca: Buffer;
  readonly caFile: string;
  readonly server: { readonly cert: Buffer; readonly key: Buffer; readonly certFile: string; readonly keyFile: string };
  /** a client certificate signed by this CA with subject CN=`cn` */
  client(cn: string): { readonly cert: Buffer; readonly key: Buffer };
  remove(): void;
}

const openssl = (dir: string, args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });

export function makeTestPki(name = 'pp-pki-'): TestPki {
  const dir = mkdtempSync(join(tmpdir(), name));
  const run = (args: string[]) => openssl(dir, args);
  const keygen = (file: string) => run(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', file]);

  keygen('ca.key');
  run(['req', '-x509', '-new', '-key', 'ca.key', '-sha256', '-days', '2', '-subj', '/CN=PulseProof test CA', '-out', 'ca.pem']);

  const issue = (base: string, cn: string, extensions?: string) => {
    keygen(`${base}.key`);
    run(['req', '-new', '-key', `${base}.key`, '-subj', `/CN=${cn}`, '-out', `${base}.csr`]);
    run([
      'x509', '-req', '-in', `${base}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-sha256', '-days', '2',
      ...(extensions ? ['-extfile', extensions] : []),
      '-out', `${base}.pem`,
    ]);
    return { cert: readFileSync(join(dir, `${base}.pem`)), key: readFileSync(join(dir, `${base}.key`)) };
  };

  // A server certificate is matched on its subjectAltName, not its CN (RFC 6125 6.4.4).
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  const server = issue('server', 'localhost', 'server.ext');
  let clients = 0;
  return {
    dir,
    ca: readFileSync(join(dir, 'ca.pem')),
    caFile: join(dir, 'ca.pem'),
    server: { ...server, certFile: join(dir, 'server.pem'), keyFile: join(dir, 'server.key') },
    client: (cn) => issue(`client-${++clients}`, cn),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
