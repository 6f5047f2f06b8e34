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
    expect(loadConfig({ CHAIN_RPC_URL: '', CHAIN_PRIVATE_KEY: '', ANCHOR_CONTRACT_ADDRESS: '' }).chain).toBeUndefined();
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
    [{ CHAIN_RPC_URL: 'http://127.0.0.1:8545' }, /^CHAIN_PRIVATE_KEY is required when CHAIN_RPC_URL is set/],
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
});
