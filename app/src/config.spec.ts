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
      validation: { lateAfterMs: 300_000, maxReadingAgeMs: 7 * 86_400_000, deadLetterRetention: 100_000 },
    });
    expect(config.chain).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('believes X-Forwarded-For only when TRUST_PROXY says which proxies to trust', () => {
    expect(loadConfig({}).http.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '' }).http.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'off' }).http.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'loopback' }).http.trustProxy).toBe('loopback');
    expect(loadConfig({ TRUST_PROXY: '2' }).http.trustProxy).toBe(2);
  });

  it('makes ingest a client of an external broker when MQTT_URL is set', () => {
    expect(loadConfig({}).mqtt.external).toBeUndefined();
    expect(loadConfig({ MQTT_URL: '', MQTT_USERNAME: '', MQTT_PASSWORD: '', INGEST_INSTANCE_ID: '', MQTT_SHARE_GROUP: '' }).mqtt.external).toBeUndefined();
    const config = loadConfig({ MQTT_URL: 'mqtts://broker.ward:8883', MQTT_USERNAME: 'ingest', MQTT_PASSWORD: 's3cret', INGEST_INSTANCE_ID: 'ingest-a' });
    expect(config.mqtt.external).toEqual({ url: 'mqtts://broker.ward:8883', username: 'ingest', password: 's3cret', instanceId: 'ingest-a', shareGroup: 'pulseproof-ingest', readingsConnections: 8 });
    expect(loadConfig({ MQTT_URL: 'mqtt://b', MQTT_READINGS_CONNECTIONS: '2' }).mqtt.external?.readingsConnections).toBe(2);
    expect(loadConfig({ MQTT_URL: 'mqtt://127.0.0.1:1883' }).mqtt.external?.instanceId).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
  });

  it('names the variable of a bad external broker setting, never echoing the URL (it may carry a password)', () => {
    expect(() => loadConfig({ MQTT_URL: 'http://user:pw@broker' })).toThrow(/^MQTT_URL must be an mqtt:\/\/ or mqtts:\/\/ URL/);
    expect(() => loadConfig({ MQTT_URL: 'http://user:pw@broker' })).not.toThrow(/pw/);
    expect(() => loadConfig({ MQTT_URL: 'mqtt://b', INGEST_INSTANCE_ID: 'a/b' })).toThrow(/^INGEST_INSTANCE_ID must be 1-64 letters/);
    expect(() => loadConfig({ MQTT_URL: 'mqtt://b', MQTT_SHARE_GROUP: 'g+' })).toThrow(/^MQTT_SHARE_GROUP/);
    expect(() => loadConfig({ MQTT_URL: 'mqtt://b', MQTT_READINGS_CONNECTIONS: '0' })).toThrow(/^MQTT_READINGS_CONNECTIONS must be a whole number from 1 to 64/);
    expect(() => loadConfig({ MQTT_URL: 'mqtt://b', MQTT_READINGS_CONNECTIONS: 'many' })).toThrow(/^MQTT_READINGS_CONNECTIONS/);
  });

  it('keeps the accounts database under DATA_DIR unless ACCESS_DB_FILE names a shared one', () => {
    expect(loadConfig({ DATA_DIR: '/srv/pp' }).accessDbFile).toBe(join('/srv/pp', 'access.sqlite'));
    expect(loadConfig({ DATA_DIR: '/srv/pp', ACCESS_DB_FILE: '' }).accessDbFile).toBe(join('/srv/pp', 'access.sqlite'));
    expect(loadConfig({ ACCESS_DB_FILE: '/shared/pp/accounts.sqlite' }).accessDbFile).toBe('/shared/pp/accounts.sqlite');
    const dir = mkdtempSync(join(tmpdir(), 'pp-config-access-'));
    try {
      expect(() => loadConfig({ ACCESS_DB_FILE: dir })).toThrow(/^ACCESS_DB_FILE names a directory: give the path of the SQLite file, e\.g\. /);
      expect(() => loadConfig({ ACCESS_DB_FILE: 'shared/' })).toThrow(/^ACCESS_DB_FILE names a directory/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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
    [{ READING_MAX_AGE_MS: '1000' }, /^READING_MAX_AGE_MS must be at least 60000 \(one minute\), in ms/],
    [{ READING_LATE_AFTER_MS: '-1' }, /^READING_LATE_AFTER_MS /],
    [{ TRUST_PROXY: 'yes' }, /^TRUST_PROXY must be "off", "loopback" or the number of reverse proxies in front \(1-9\) \(got "yes"\)/],
    [{ TRUST_PROXY: '0' }, /^TRUST_PROXY must be "off", "loopback"/],
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

  it('takes ADMIN_API_TOKEN for the device API and never echoes a short one back', () => {
    expect(loadConfig({}).adminApiToken).toBeUndefined();
    expect(loadConfig({ ADMIN_API_TOKEN: 'a'.repeat(32) }).adminApiToken).toBe('a'.repeat(32));
    expect(() => loadConfig({ ADMIN_API_TOKEN: 'hunter2' })).toThrow(/^ADMIN_API_TOKEN must be at least 16 characters/);
    expect(() => loadConfig({ ADMIN_API_TOKEN: 'hunter2' })).not.toThrow(/hunter2/);
  });

  it('takes the alert escalation steps (ALERT_ESCALATION_STEPS_MS), increasing; empty turns escalation off', () => {
    expect(loadConfig({}).alertEscalationStepsMs).toEqual([120_000, 300_000, 600_000]);
    expect(loadConfig({ ALERT_ESCALATION_STEPS_MS: '60000, 180000' }).alertEscalationStepsMs).toEqual([60_000, 180_000]);
    expect(loadConfig({ ALERT_ESCALATION_STEPS_MS: '' }).alertEscalationStepsMs).toEqual([]);
    expect(() => loadConfig({ ALERT_ESCALATION_STEPS_MS: '300000,120000' })).toThrow(/^ALERT_ESCALATION_STEPS_MS must be increasing/);
    expect(() => loadConfig({ ALERT_ESCALATION_STEPS_MS: 'soon' })).toThrow(/ALERT_ESCALATION_STEPS_MS/);
  });

  it('runs 4 simulated ambulances and dispatches at NEWS2 7 by default; names a bad value', () => {
    expect(loadConfig({})).toMatchObject({ ambulances: { units: 4, speed: 4 }, dispatch: { minNews2: 7, ackTimeoutMs: 30_000 } });
    expect(loadConfig({ SIM_AMBULANCES: '0', DISPATCH_MIN_NEWS2: '5' })).toMatchObject({ ambulances: { units: 0 }, dispatch: { minNews2: 5 } });
    expect(() => loadConfig({ SIM_AMBULANCE_SPEED: '0' })).toThrow(/^SIM_AMBULANCE_SPEED must be a number > 0/);
    expect(() => loadConfig({ DISPATCH_ACK_TIMEOUT_MS: '10' })).toThrow(/^DISPATCH_ACK_TIMEOUT_MS /);
  });

  describe('MQTT security', () => {
    it('requires sign-in and limits each device by default, with no TLS listener', () => {
      expect(loadConfig({}).mqtt).toMatchObject({ auth: 'required', rateLimit: { perDevicePerSecond: 20, burst: 40 } });
      expect(loadConfig({}).mqtt.tls).toBeUndefined();
      const empty = { MQTT_TLS_PORT: '', MQTT_TLS_CERT_FILE: '', MQTT_TLS_KEY_FILE: '', MQTT_TLS_CA_FILE: '' };
      expect(loadConfig(empty).mqtt.tls).toBeUndefined();
      expect(loadConfig({ MQTT_AUTH: 'off', MQTT_RATE_PER_DEVICE: '2.5', MQTT_RATE_BURST: '5' }).mqtt).toMatchObject({ auth: 'off', rateLimit: { perDevicePerSecond: 2.5, burst: 5 } });
    });

    it('takes a TLS listener with its files, and mTLS with the CA', () => {
      const dir = mkdtempSync(join(tmpdir(), 'pp-tls-config-'));
      try {
        for (const name of ['cert.pem', 'key.pem', 'ca.pem']) writeFileSync(join(dir, name), 'PEM');
        const files = { MQTT_TLS_PORT: '8883', MQTT_TLS_CERT_FILE: join(dir, 'cert.pem'), MQTT_TLS_KEY_FILE: join(dir, 'key.pem') };
        expect(loadConfig(files).mqtt.tls).toEqual({ port: 8883, certFile: files.MQTT_TLS_CERT_FILE, keyFile: files.MQTT_TLS_KEY_FILE, clientCertificates: 'off' });
        expect(loadConfig({ ...files, MQTT_TLS_CA_FILE: join(dir, 'ca.pem'), MQTT_TLS_CLIENT_CERT: 'required' }).mqtt.tls).toMatchObject({ caFile: join(dir, 'ca.pem'), clientCertificates: 'required' });
        expect(() => loadConfig({ ...files, MQTT_TLS_CLIENT_CERT: 'optional' })).toThrow(/^MQTT_TLS_CA_FILE is required with MQTT_TLS_CLIENT_CERT=optional/);
        expect(() => loadConfig({ ...files, MQTT_TLS_KEY_FILE: join(dir, 'missing.pem') })).toThrow(/^MQTT_TLS_KEY_FILE names no file/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it.each([
      [{ MQTT_AUTH: 'maybe' }, /^MQTT_AUTH must be "required" or "off"/],
      [{ MQTT_TLS_PORT: '8883' }, /^MQTT_TLS_CERT_FILE is required with MQTT_TLS_PORT/],
      [{ MQTT_TLS_CLIENT_CERT: 'required' }, /^MQTT_TLS_CLIENT_CERT needs MQTT_TLS_PORT/],
      [{ MQTT_TLS_CLIENT_CERT: 'sometimes' }, /^MQTT_TLS_CLIENT_CERT must be "off", "optional" or "required"/],
      [{ MQTT_RATE_PER_DEVICE: '0' }, /^MQTT_RATE_PER_DEVICE must be a positive number of readings per second/],
      [{ MQTT_RATE_BURST: '0' }, /^MQTT_RATE_BURST /],
    ])('names the variable of a bad MQTT security setting %p', (env, message) => {
      expect(() => loadConfig(env)).toThrow(message);
    });
  });

  describe('alert delivery', () => {
    it('has no webhooks and a 15 s stream heartbeat by default', () => {
      expect(loadConfig({ ALERT_WEBHOOK_URLS: '', ALERT_WEBHOOK_SECRET: '' }).alertDelivery).toEqual({ stream: { heartbeatMs: 15_000 } });
    });

    it('takes comma-separated webhook URLs with their secret and retry limits', () => {
      const config = loadConfig({
        ALERT_WEBHOOK_URLS: 'https://pager.example/hooks/a, http://10.0.0.9:8080/alerts',
        ALERT_WEBHOOK_SECRET: 'whsec-0123456789abcdef',
        ALERT_WEBHOOK_MAX_ATTEMPTS: '5',
      });
      expect(config.alertDelivery.webhooks).toEqual({
        urls: ['https://pager.example/hooks/a', 'http://10.0.0.9:8080/alerts'],
        secret: 'whsec-0123456789abcdef',
        timeoutMs: 10_000,
        retry: { maxAttempts: 5, maxAgeMs: 3_600_000 },
      });
    });

    it.each([
      [{ ALERT_WEBHOOK_URLS: 'https://pager.example/h' }, /^ALERT_WEBHOOK_SECRET is required when ALERT_WEBHOOK_URLS is set/],
      [{ ALERT_WEBHOOK_URLS: 'ftp://pager.example/h?token=t0ps3cret', ALERT_WEBHOOK_SECRET: 'whsec-0123456789abcdef' }, /^ALERT_WEBHOOK_URLS must be comma-separated http\(s\) URLs: fix/],
      [{ ALERT_WEBHOOK_URLS: 'https://pager.example/h', ALERT_WEBHOOK_SECRET: 'short-s3cret' }, /^ALERT_WEBHOOK_SECRET must be at least 16 characters/],
    ])('stops on incomplete or invalid webhook settings %p, without echoing them', (env, message) => {
      expect(() => loadConfig(env)).toThrow(message);
      expect(() => loadConfig(env)).not.toThrow(/t0ps3cret|short-s3cret/);
    });
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
