import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('runs everything embedded when nothing is set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      http: { host: '127.0.0.1', port: 8080 },
      mqtt: { host: '127.0.0.1', port: 1883 },
      batch: { maxSize: 65_536, maxAgeMs: 10_000 },
      simulator: { patients: 20, deteriorating: 3, intervalMs: 1_000 },
    });
    expect(config.chain).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('treats empty variables, as copied from .env.example, as unset', () => {
    const empty = { CHAIN_RPC_URL: '', CHAIN_PRIVATE_KEY: '', CHAIN_KEYSTORE_FILE: '', CHAIN_KEYSTORE_PASSWORD: '', ANCHOR_CONTRACT_ADDRESS: '' };
    expect(loadConfig({ ...empty, CHAIN_MAX_FEE_GWEI: '', CHAIN_MAX_PRIORITY_FEE_GWEI: '' }).chain).toBeUndefined();
  });

  it('uses an external chain when CHAIN_RPC_URL and its key are set', () => {
    const key = `0x${'ab'.repeat(32)}`;
    expect(loadConfig({ CHAIN_RPC_URL: 'http://10.0.0.5:8545', CHAIN_PRIVATE_KEY: key }).chain).toEqual({
      rpcUrl: 'http://10.0.0.5:8545',
      privateKey: key,
    });
  });

  it.each([
    [{ MQTT_PORT: 'abc' }, /^MQTT_PORT .*\(got "abc"\): fix it in the environment or in \.env$/],
    [{ PORT: '70000' }, /^PORT /],
    [{ CHAIN_RPC_URL: 'http://127.0.0.1:8545' }, /^CHAIN_PRIVATE_KEY or CHAIN_KEYSTORE_FILE is required when CHAIN_RPC_URL is set/],
    [{ CHAIN_RPC_URL: 'http://x', CHAIN_KEYSTORE_FILE: '/no/such/keystore.json', CHAIN_KEYSTORE_PASSWORD: 'p' }, /^CHAIN_KEYSTORE_FILE names no file/],
    [{ CHAIN_MAX_FEE_GWEI: '-1' }, /^CHAIN_MAX_FEE_GWEI must be a positive number of gwei/],
    [{ CHAIN_RESUBMIT_AFTER_MS: '5' }, /^CHAIN_RESUBMIT_AFTER_MS /],
    [{ CHAIN_RPC_URL: 'http://x', CHAIN_PRIVATE_KEY: '0x12' }, /^CHAIN_PRIVATE_KEY must be 0x followed by 64 hex digits/],
    [{ SIM_PATIENTS: '2', SIM_DETERIORATING: '5' }, /^SIM_DETERIORATING must not exceed SIM_PATIENTS \(2\)/],
  ])('stops on %p with one line naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never echoes a private key back in an error', () => {
    const secret = `0x${'cd'.repeat(31)}`;
    try {
      loadConfig({ CHAIN_RPC_URL: 'http://x', CHAIN_PRIVATE_KEY: secret });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect((error as Error).message).not.toContain(secret);
    }
  });

  describe('with a keystore', () => {
    let dir: string;
    let file: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'pp-config-'));
      file = join(dir, 'keystore.json');
      writeFileSync(file, '{}');
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('takes the key from CHAIN_KEYSTORE_FILE with its password, and the fee caps and tx timings', () => {
      const config = loadConfig({
        CHAIN_RPC_URL: 'http://10.0.0.5:8545',
        CHAIN_KEYSTORE_FILE: file,
        CHAIN_KEYSTORE_PASSWORD: 'secret words',
        CHAIN_MAX_FEE_GWEI: '40',
        CHAIN_MAX_PRIORITY_FEE_GWEI: '1.5',
        CHAIN_RESUBMIT_AFTER_MS: '20000',
      });
      expect(config.chain).toEqual({
        rpcUrl: 'http://10.0.0.5:8545',
        keystore: { file, password: 'secret words' },
        maxFeePerGasGwei: 40,
        maxPriorityFeePerGasGwei: 1.5,
      });
      expect(config.tx).toEqual({ resubmitAfterMs: 20_000, timeoutMs: 120_000, reorgDepth: 64, reorgCheckMs: 30_000 });
    });

    it.each([
      [{ CHAIN_PRIVATE_KEY: `0x${'ab'.repeat(32)}`, CHAIN_KEYSTORE_PASSWORD: 'p' }, /^CHAIN_KEYSTORE_FILE and CHAIN_PRIVATE_KEY are both set/],
      [{}, /^CHAIN_KEYSTORE_PASSWORD is required with CHAIN_KEYSTORE_FILE/],
    ])('stops on an ambiguous or incomplete key source %p', (extra, message) => {
      expect(() => loadConfig({ CHAIN_RPC_URL: 'http://x', CHAIN_KEYSTORE_FILE: file, ...extra })).toThrow(message);
    });

    it('never echoes the keystore password', () => {
      const env = { CHAIN_KEYSTORE_FILE: file, CHAIN_KEYSTORE_PASSWORD: 'hunter2-password' };
      expect(() => loadConfig(env)).toThrow(/^CHAIN_KEYSTORE_FILE needs CHAIN_RPC_URL/);
      expect(() => loadConfig(env)).not.toThrow(/hunter2/);
    });
  });
});
