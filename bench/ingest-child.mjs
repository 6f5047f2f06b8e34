#!/usr/bin/env node
// Child processes of the ingest benchmark (bench/ingest.mjs), so the load generator and the system
// under test never share an event loop. One JSON line on stdout per result.
//   node bench/ingest-child.mjs load '<LoadOptions JSON>'   the simulators' load generator against a broker
//   node bench/ingest-child.mjs capacity '<CapacityOptions>' the generator against the null broker
//   node bench/ingest-child.mjs aedes                        bare aedes + one QoS 1 subscriber; prints its URL,
//                                                            then the subscriber's count on SIGTERM
//   node bench/ingest-child.mjs broker                       bare aedes alone; prints its URL (the baselines suite)
//   node bench/ingest-child.mjs subscribe <url>              one QoS 1 subscriber to the readings topics; prints
//                                                            {ready}, then on SIGTERM its count, rate and
//                                                            publish-to-delivery latency (the message's `ts`)
import net from 'node:net';
import aedesModule from 'aedes';
import mqtt from 'mqtt';
import simulators from '@pulseproof/simulators';

const { runLoad, measureGeneratorCapacity } = simulators;
const [mode, json] = process.argv.slice(2);
const print = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);

if (mode === 'load') {
  print(await runLoad({ rate: Infinity, ...JSON.parse(json), recordLatency: true }));
  process.exit(0);
} else if (mode === 'capacity') {
  print(await measureGeneratorCapacity(JSON.parse(json)));
  process.exit(0);
} else if (mode === 'aedes') {
  const broker = aedesModule.createBroker();
  const server = net.createServer(broker.handle);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `mqtt://127.0.0.1:${server.address().port}`;
  // What ingest does with each reading, minus the work: a QoS 1 subscriber that acknowledges at once.
  const subscriber = await mqtt.connectAsync(url, { clientId: 'bench-subscriber', reconnectPeriod: 0 });
  await subscriber.subscribeAsync('pulseproof/v1/devices/+/readings', { qos: 1 });
  let forwarded = 0;
  let first;
  let last;
  subscriber.on('message', () => {
    const now = performance.now();
    first ??= now;
    last = now;
    forwarded += 1;
  });
  print({ url });
  process.once('SIGTERM', () => {
    print({ forwarded, seconds: first === undefined ? 0 : (last - first) / 1000 });
    process.exit(0);
  });
} else if (mode === 'broker') {
  const broker = aedesModule.createBroker();
  const server = net.createServer(broker.handle);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  print({ url: `mqtt://127.0.0.1:${server.address().port}` });
  process.once('SIGTERM', () => process.exit(0));
} else if (mode === 'subscribe') {
  const subscriber = await mqtt.connectAsync(json, { clientId: `bench-subscriber-${process.pid}`, reconnectPeriod: 0 });
  await subscriber.subscribeAsync('pulseproof/v1/devices/+/readings', { qos: 1 });
  const latencies = [];
  let first;
  let last;
  subscriber.on('message', (_topic, payload) => {
    const now = Date.now();
    first ??= performance.now();
    last = performance.now();
    const ts = JSON.parse(payload.toString()).ts;
    if (typeof ts === 'number') latencies.push(now - ts);
  });
  print({ ready: true });
  process.once('SIGTERM', () => {
    const sorted = Float64Array.from(latencies).sort();
    const at = (q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : null);
    const seconds = first === undefined ? 0 : (last - first) / 1000;
    print({ forwarded: latencies.length, seconds, rate: seconds > 0 ? latencies.length / seconds : 0, latencyMs: { p50: at(0.5), p99: at(0.99), max: at(1), samples: sorted.length } });
    process.exit(0);
  });
} else {
  process.stderr.write(`unknown mode ${mode}\n`);
  process.exit(2);
}
