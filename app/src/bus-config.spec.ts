import { ConfigError, loadConfig } from './config';

describe('bus configuration (BUS, KAFKA_*)', () => {
  it('uses the embedded SQLite log unless BUS=kafka', () => {
    expect(loadConfig({}).bus).toEqual({ kind: 'embedded' });
    expect(loadConfig({ BUS: '', KAFKA_BROKERS: '' }).bus).toEqual({ kind: 'embedded' });
  });

  it('reads the Kafka settings, with defaults', () => {
    const config = loadConfig({ BUS: 'kafka', KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9092', KAFKA_CLIENT_ID: 'alerts-a', KAFKA_PARTITIONS: '24' });
    expect(config.bus).toEqual({ kind: 'kafka', brokers: ['kafka-1:9092', 'kafka-2:9092'], clientId: 'alerts-a', partitions: 24, replicationFactor: 1, sessionTimeoutMs: 30_000 });
    expect(Object.isFrozen(config)).toBe(true);
    const defaults = loadConfig({ BUS: 'kafka', KAFKA_BROKERS: '[::1]:9092' }).bus;
    expect(defaults).toMatchObject({ brokers: ['[::1]:9092'], partitions: 12 });
    expect(defaults.kind === 'kafka' && defaults.clientId).toMatch(/^pulseproof-[A-Za-z0-9._-]+$/);
  });

  it.each([
    [{ BUS: 'rabbit' }, /^BUS must be "embedded" .* or "kafka"/],
    [{ BUS: 'kafka' }, /^KAFKA_BROKERS is required with BUS=kafka/],
    [{ KAFKA_BROKERS: 'kafka:9092' }, /^KAFKA_BROKERS is set but BUS is embedded/],
    [{ BUS: 'kafka', KAFKA_BROKERS: 'kafka' }, /^KAFKA_BROKERS must be comma-separated host:port pairs/],
    [{ BUS: 'kafka', KAFKA_BROKERS: 'kafka:9092', KAFKA_PARTITIONS: '0' }, /^KAFKA_PARTITIONS must be a whole number of partitions/],
    [{ BUS: 'kafka', KAFKA_BROKERS: 'kafka:9092', KAFKA_CLIENT_ID: 'a/b' }, /^KAFKA_CLIENT_ID must be 1-64 letters/],
    [{ BUS: 'kafka', KAFKA_BROKERS: 'kafka:9092', KAFKA_SESSION_TIMEOUT_MS: '1000' }, /^KAFKA_SESSION_TIMEOUT_MS must be 6000 ms or more/],
  ])('stops the start on %j with a message naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
