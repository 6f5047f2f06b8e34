import { kafkaServerProperties } from './kafka';

function parse(text: string): Record<string, string> {
  return Object.fromEntries(text.trim().split('\n').map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]));
}

describe('kafkaServerProperties', () => {
  it('describes one combined KRaft broker and controller on the two loopback ports', () => {
    const props = parse(kafkaServerProperties('/tmp/k', 39092, 39093, {}));
    expect(props).toMatchObject({
      'process.roles': 'broker,controller',
      'node.id': '1',
      'controller.quorum.voters': '1@127.0.0.1:39093',
      listeners: 'PLAINTEXT://127.0.0.1:39092,CONTROLLER://127.0.0.1:39093',
      'advertised.listeners': 'PLAINTEXT://127.0.0.1:39092',
      'log.dirs': '/tmp/k/kraft-logs',
      // one broker: the internal topics' default replication factor of 3 could never be met
      'offsets.topic.replication.factor': '1',
      'transaction.state.log.replication.factor': '1',
      'group.initial.rebalance.delay.ms': '0',
      'auto.create.topics.enable': 'true',
    });
  });

  it('lets the caller turn auto-creation off, size default partitions and override any property', () => {
    const props = parse(kafkaServerProperties('/tmp/k', 1, 2, { autoCreateTopics: false, defaultPartitions: 6, properties: { 'group.initial.rebalance.delay.ms': 3000, 'log.retention.ms': 60000 } }));
    expect(props['auto.create.topics.enable']).toBe('false');
    expect(props['num.partitions']).toBe('6');
    expect(props['group.initial.rebalance.delay.ms']).toBe('3000');
    expect(props['log.retention.ms']).toBe('60000');
  });
});
