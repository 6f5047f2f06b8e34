import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Wallet, encryptKeystoreJsonSync } from 'ethers';
import { AnvilNode } from '@pulseproof/anchor';
import { loadConfig } from './config';
import { EmbeddedSystem, startEmbedded } from './embedded';

/** `npm start` against an external JSON-RPC chain, the anchoring key read from an encrypted keystore. */
describe('start with CHAIN_KEYSTORE_FILE', () => {
  let dir: string;
  let anvil: AnvilNode;
  let system: EmbeddedSystem | undefined;
  const password = 'keystore pass phrase';
  const output: string[] = [];
  let restore: (() => void) | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pp-keystore-'));
    anvil = await AnvilNode.start();
    const wallet = new Wallet(anvil.privateKey);
    writeFileSync(join(dir, 'anchorer.json'), encryptKeystoreJsonSync({ address: wallet.address, privateKey: anvil.privateKey }, password, { scrypt: { N: 1 << 10 } }));
    // Nest's logger writes to stdout: everything logged is kept for the secrecy check.
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      output.push(String(chunk));
      return true;
    });
    restore = () => spy.mockRestore();
  }, 60_000);

  afterAll(async () => {
    await system?.stop();
    restore?.();
    await anvil?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const env = (extra: Record<string, string>) =>
    loadConfig({ DATA_DIR: join(dir, 'data'), PORT: '0', MQTT_PORT: '0', SIM_PATIENTS: '0', CHAIN_RPC_URL: anvil.rpcUrl, CHAIN_KEYSTORE_FILE: join(dir, 'anchorer.json'), ...extra });

  it('refuses a wrong password before starting the services, naming the file but no secret', async () => {
    const failure = await startEmbedded(env({ CHAIN_KEYSTORE_PASSWORD: 'wrong words' })).catch((e: Error) => e);
    expect((failure as Error).message).toMatch(/^ANCHOR_E_KEYSTORE: cannot decrypt .*anchorer\.json/);
    expect((failure as Error).message).not.toContain('wrong words');
  });

  it('deploys and connects with the decrypted key, and logs neither the key nor the password', async () => {
    system = await startEmbedded(env({ CHAIN_KEYSTORE_PASSWORD: password }));
    const deadline = Date.now() + 30_000;
    let chain: { status: string; detail: { contract: string | null } } | undefined;
    while (Date.now() < deadline) {
      const health = (await (await fetch(`${system.httpUrl}/api/health`)).json()) as { components: Record<string, typeof chain> };
      chain = health.components['chain'];
      if (chain?.status === 'up' && chain.detail.contract) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(chain).toMatchObject({ status: 'up', detail: { contract: expect.stringMatching(/^0x[0-9a-fA-F]{40}$/) } });
    const logs = output.join('');
    expect(logs).toContain(`account ${new Wallet(anvil.privateKey).address}`);
    expect(logs).not.toContain(anvil.privateKey.slice(2));
    expect(logs).not.toContain(password);
  }, 60_000);
});
