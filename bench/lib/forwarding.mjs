// A broker's raw QoS 1 forwarding, the baseline both the embedded and the distributed suites compare with.
import { CHILD, runChild, startChild, stopChild } from './children.mjs';
import { round } from './proc.mjs';

/**
 * The load generator saturating the broker, then paced at `size.pacedRate`; a separate QoS 1
 * subscriber process counts what the broker forwards. `puback` and `delivery` are latencies
 * (publish to PUBACK in the generator, publish to arrival at the subscriber).
 */
export async function forwarding(brokerUrl, size, idPrefix) {
  const out = {};
  for (const [name, rate] of [['saturated', Infinity], ['paced', size.pacedRate]]) {
    const subscriber = await startChild([CHILD, 'subscribe', brokerUrl], {}, (o) => (o.includes('"ready"') ? true : undefined));
    try {
      const [load] = await runChild([CHILD, 'load', JSON.stringify({ brokerUrl, devices: size.devices, ...(Number.isFinite(rate) ? { rate } : {}), durationMs: size.runMs, idPrefix })]);
      await stopChild(subscriber, 'SIGTERM', 5_000);
      const delivered = JSON.parse(subscriber.output().trim().split('\n').pop());
      out[name] = { offered: Number.isFinite(rate) ? rate : null, acked: round(load.rate), puback: load.latencyMs, forwarded: round(delivered.rate), delivery: delivered.latencyMs, errors: load.errors };
    } finally {
      await stopChild(subscriber, 'SIGKILL', 1_000);
    }
  }
  return out;
}
