import { topicMatches } from './mqtt-topic-match';

describe('topicMatches [MQTT-4.7]', () => {
  it.each([
    ['pulseproof/v1/units/+/status', 'pulseproof/v1/units/u1/status', true],
    ['pulseproof/v1/units/+/status', 'pulseproof/v1/units/u1/dispatch', false],
    ['pulseproof/v1/alerts/#', 'pulseproof/v1/alerts/p1', true],
    ['pulseproof/v1/alerts/#', 'pulseproof/v1/alerts', true], // '#' includes the parent level
    ['pulseproof/v1/alerts/#', 'pulseproof/v1/units/u1', false],
    ['pulseproof/v1/+', 'pulseproof/v1/a/b', false],
    ['$share/g/pulseproof/v1/devices/+/readings', 'pulseproof/v1/devices/d1/readings', true],
    ['#', '$SYS/broker/uptime', false], // '$' topics stay out of wildcard filters
    ['+/broker/uptime', '$SYS/broker/uptime', false],
  ])('%s matches %s: %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});
