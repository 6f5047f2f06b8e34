import { createBroker } from 'aedes';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { runLoad } from './load/load-generator';
import { readTlsFiles } from './tls-files';
import { startWard } from './ward';
import { parseWardScenario } from './ward-scenario';

/** A real aedes broker behind TLS, with a throwaway self-signed certificate made by openssl. */
describe('TLS (mqtts://) with --ca', () => {
  let dir: string;
  let server: tls.Server;
  let url: string;
  const broker = createBroker();
  const sockets = new Set<net.Socket>();

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pulseproof-sim-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout', path.join(dir, 'server.key'), '-out', path.join(dir, 'server.pem'),
    ], { stdio: 'ignore' });
    server = tls.createServer({ key: fs.readFileSync(path.join(dir, 'server.key')), cert: fs.readFileSync(path.join(dir, 'server.pem')) }, (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      broker.handle(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    url = `mqtts://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });

  afterAll(async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const scenario = parseWardScenario({ patients: [{ id: 'tls1', devices: ['wearable'] }] });

  it('connects and publishes when the broker certificate is trusted through --ca', async () => {
    const fleet = await startWard({ brokerUrl: url, scenario, autoPublish: false, tls: readTlsFiles({ ca: path.join(dir, 'server.pem') }) });
    try {
      await fleet.publishNow();
      expect(fleet.stats()).toMatchObject({ sent: 1, acked: 1 });
    } finally {
      await fleet.stop();
    }
    const report = await runLoad({ brokerUrl: url, devices: 5, rate: 100, durationMs: 300, tls: readTlsFiles({ ca: path.join(dir, 'server.pem') }) });
    expect(report.acked).toBe(report.sent);
    expect(report.connectErrors).toBe(0);
  });

  it('refuses a broker whose certificate it cannot verify', async () => {
    await expect(startWard({ brokerUrl: url, scenario, autoPublish: false, connectTimeoutMs: 2000 })).rejects.toMatchObject({
      code: 'SIM_E_BROKER_UNREACHABLE',
    });
  });
});
