// Markdown (and SVG plots) for the pipeline and baselines suites, and the ratio of each PulseProof
// figure to its baseline.
import { lineChart } from './svg.mjs';

export const fmt = (n) => (n === null || n === undefined || !Number.isFinite(Number(n)) ? '-' : Math.round(Number(n)).toLocaleString('en-US'));
export const ms = (v) => (v === null || v === undefined ? '-' : v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v * 10) / 10} ms`);
const ratio = (a, b) => (a > 0 && b > 0 ? `${a / b >= 0.1 ? (a / b).toFixed(2) : (a / b).toPrecision(2)} ×` : '-');

export function pipelineCharts(p) {
  const charts = {};
  charts['throughput'] = lineChart({
    title: 'Throughput vs offered load (embedded, QoS 1)',
    xLabel: 'offered readings/s',
    yLabel: 'readings/s',
    series: [
      { name: 'offered (ideal)', dashed: true, points: [...new Set(p.curves.flatMap((c) => c.steps.map((s) => s.offered)))].sort((a, b) => a - b).map((x) => [x, x]) },
      ...p.curves.map((c) => ({ name: `${fmt(c.devices)} dev: complete`, points: c.steps.map((s) => [s.offered, s.completePerSecond]) })),
      ...p.curves.map((c) => ({ name: `${fmt(c.devices)} dev: acked`, dashed: true, points: c.steps.map((s) => [s.offered, s.achieved]) })),
    ],
    marks: p.curves[0]?.knee ? [{ x: p.curves[0].knee, text: `knee (${fmt(p.curves[0].devices)} dev)` }] : [],
  });
  charts['latency'] = lineChart({
    title: 'p99 latency vs offered load',
    xLabel: 'offered readings/s',
    yLabel: 'p99 latency, ms',
    series: p.curves.flatMap((c) => [
      { name: `${fmt(c.devices)} dev: stored`, points: c.steps.map((s) => [s.offered, s.latencyMs.stored.p99]) },
      { name: `${fmt(c.devices)} dev: evaluated`, dashed: true, points: c.steps.map((s) => [s.offered, s.latencyMs.evaluated.p99]) },
    ]),
  });
  charts['anchored'] = lineChart({
    title: 'Publish-to-anchored p50 / p99 vs offered load',
    xLabel: 'offered readings/s',
    yLabel: 'ms',
    series: p.curves.flatMap((c) => [
      { name: `${fmt(c.devices)} dev: p50`, points: c.steps.map((s) => [s.offered, s.latencyMs.anchored.p50]) },
      { name: `${fmt(c.devices)} dev: p99`, dashed: true, points: c.steps.map((s) => [s.offered, s.latencyMs.anchored.p99]) },
    ]),
  });
  if (p.curves.length > 1) {
    charts['scaling'] = lineChart({
      title: 'Scaling: sustained readings/s by connected devices',
      xLabel: 'connected devices',
      yLabel: 'complete readings/s; RSS in MB',
      series: [
        { name: 'readings/s (knee)', points: p.curves.map((c) => [c.devices, c.sustained]) },
        { name: 'app RSS, MB', dashed: true, points: p.curves.map((c) => [c.devices, Math.max(...c.steps.map((s) => s.app.rssPeakMb ?? 0))]) },
      ],
    });
  }
  return charts;
}

export function pipelineMarkdown(p, img) {
  const lines = [
    `Embedded PulseProof (\`app/dist/main.js\`, MQTT auth ${p.settings.mqttAuth}, anchor batches close after ${p.settings.batchMaxAgeMs / 1000} s), QoS 1, ` +
      `${p.settings.stepMs / 1000} s per step. **Complete** = stored (in readings.sqlite) AND evaluated by alerts AND in a batch on chain, per second of publishing. ` +
      `A step is broken when acked < 90% of offered, a reading is lost or not through within ${p.settings.drainMs / 1000} s, or a p99 leaves its budget ` +
      `(stored ${p.settings.budgetMs.stored} ms, evaluated ${p.settings.budgetMs.evaluated} ms, anchored ${p.settings.budgetMs.anchored} ms); stepping stops there.`,
    '',
    `**Sustained: ${fmt(p.sustained)} readings/s** stored + evaluated + anchored${p.sustainedAt ? ` (${fmt(p.sustainedAt.devices)} devices, ${fmt(p.sustainedAt.offered)}/s offered)` : ''}.`,
    '',
    img('throughput'),
    img('latency'),
    img('anchored'),
    ...(img('scaling') ? [img('scaling')] : []),
    '',
    '| devices | offered/s | acked/s | complete/s | stored p50 / p99 / max | evaluated p50 / p99 / max | anchored p50 / p99 / max | app CPU (cores) | app RSS peak | anvil CPU | generator CPU | verdict |',
    '| ---: | ---: | ---: | ---: | --- | --- | --- | ---: | ---: | ---: | ---: | --- |',
  ];
  const lat = (l) => `${ms(l.p50)} / ${ms(l.p99)} / ${ms(l.max)}`;
  for (const c of p.curves) {
    for (const s of c.steps) {
      const verdict = [s.broken ? `broken: ${s.reasons.join('; ')}` : 'ok', s.generatorLimited ? '**generator-limited**' : ''].filter(Boolean).join(', ');
      lines.push(
        `| ${fmt(s.devices)} | ${fmt(s.offered)} | ${fmt(s.achieved)} | ${fmt(s.completePerSecond)} | ${lat(s.latencyMs.stored)} | ${lat(s.latencyMs.evaluated)} | ${lat(s.latencyMs.anchored)} | ${s.app.cpuCores ?? '-'} | ${s.app.rssPeakMb ?? '-'} MB | ${s.anvil?.cpuCores ?? '-'} | ${s.generator.cpuCores ?? '-'} | ${verdict} |`,
      );
    }
  }
  lines.push('', '| devices | knee (last unbroken offered/s) | sustained complete/s | generator capacity (null broker) |', '| ---: | ---: | ---: | ---: |');
  const kneeText = (c) => (c.knee === null ? 'none: the first step broke' : c.steps.every((s) => !s.broken) ? `≥ ${fmt(c.knee)} (no step broke: offer more to find it)` : fmt(c.knee));
  for (const c of p.curves) lines.push(`| ${fmt(c.devices)} | ${kneeText(c)} | ${fmt(c.sustained)} | ${fmt(p.generatorCapacity[c.devices])} acked/s |`);
  const limited = p.curves.flatMap((c) => c.steps).filter((s) => s.generatorLimited);
  lines.push('', limited.length ? `**The load generator limited ${limited.length} step(s)** (acked ≥ 90% of its null-broker capacity, or its process near one full core): those figures are a floor, not the pipeline's limit.` : 'The load generator limited no step (each step stayed below 90% of its null-broker capacity and below 0.9 cores).');
  lines.push('', `Latency sources: stored = publish to PUBACK in the generator (PUBACK follows the durable write); evaluated = when the alerts consumer's committed bus offset passed the reading (polled every ${p.settings.pollMs} ms, so up to that much late); anchored = batch \`anchored_at\` − reading device time (exact).`);
  lines.push('CPU is the PulseProof process alone (one core = 1.0); the embedded anvil is a separate process (its column).');
  if (p.profile?.top) {
    lines.push('', `### Where the time goes (node --cpu-prof of the app, ${p.profile.seconds} s saturated by ${fmt(p.profile.devices)} devices, ${fmt(p.profile.achieved)}/s acked)`, '');
    lines.push('| part of the system | self time | share |', '| --- | ---: | ---: |');
    for (const a of p.profile.areas.slice(0, 10)) lines.push(`| ${a.area} | ${fmt(a.ms)} ms | ${a.percent}% |`);
    lines.push('', '| function (file:line) | part | self time | share |', '| --- | --- | ---: | ---: |');
    for (const f of p.profile.top) lines.push(`| \`${f.function}\` | ${f.area} | ${fmt(f.ms)} ms | ${f.percent}% |`);
  } else if (p.profile?.skipped) lines.push('', `Profile: skipped (${p.profile.skipped}).`);
  return lines.join('\n');
}

export function baselinesMarkdown(b) {
  const lines = [`Same generator, same payloads, ${fmt(b.settings.devices)} devices, QoS 1, ${b.settings.runMs / 1000} s per run; a separate QoS 1 subscriber process counts what each broker forwards. Generator capacity (null broker): ${fmt(b.generatorCapacity)} acked/s.`, ''];
  lines.push('| baseline | saturated: acked/s | forwarded/s | paced at ' + fmt(b.settings.pacedRate) + '/s: PUBACK p50 / p99 | publish→subscriber p50 / p99 |', '| --- | ---: | ---: | --- | --- |');
  for (const [name, r] of [['Mosquitto' + (b.mosquitto.version ? ` ${b.mosquitto.version}` : ''), b.mosquitto], ['bare aedes', b.aedes]]) {
    if (r.skipped) lines.push(`| ${name} | skipped: ${r.skipped} | | | |`);
    else lines.push(`| ${name}${b.generatorLimited[name.startsWith('bare') ? 'aedes' : 'mosquitto'] ? ' (**generator-limited**)' : ''} | ${fmt(r.saturated.acked)} | ${fmt(r.saturated.forwarded)} | ${ms(r.paced.puback?.p50)} / ${ms(r.paced.puback?.p99)} | ${ms(r.paced.delivery?.p50)} / ${ms(r.paced.delivery?.p99)} |`);
  }
  lines.push('', '| baseline | figure |', '| --- | ---: |');
  lines.push(`| raw SQLite insert, readings row, 1 per transaction | ${fmt(b.sqlite.perRow)} rows/s |`);
  lines.push(`| raw SQLite insert, 1,000 per transaction | ${fmt(b.sqlite.batched1000)} rows/s |`);
  lines.push(`| raw keccak256, 64-byte input (ethers) | ${fmt(b.hashing.keccakPerSecond)} hashes/s |`);
  lines.push(`| anchor leaf encoding (\`encodeLeaf\`: ABI encode + keccak256 twice) | ${fmt(b.hashing.leafEncodingsPerSecond)} leaves/s |`);
  lines.push(`| the same leaves through ethers' AbiCoder (the encoder before issue 9) | ${fmt(b.hashing.leafEncodingsAbiCoderPerSecond)} leaves/s (${ratio(b.hashing.leafEncodingsPerSecond, b.hashing.leafEncodingsAbiCoderPerSecond)} faster now) |`);
  return lines.join('\n');
}

/** Each PulseProof figure beside its baseline (needs both suites in the same run). */
export function ratiosMarkdown(p, b) {
  const best = p.curves.flatMap((c) => c.steps).filter((s) => !s.broken).sort((x, y) => y.completePerSecond - x.completePerSecond)[0];
  const paced = p.curves[0]?.steps.find((s) => s.offered === b.settings.pacedRate);
  const mq = b.mosquitto.skipped ? undefined : b.mosquitto;
  const rows = [
    ['readings/s stored + evaluated + anchored (sustained)', p.sustained, 'Mosquitto QoS 1 forwarded/s', mq?.saturated.forwarded],
    ['readings/s stored + evaluated + anchored (sustained)', p.sustained, 'bare aedes QoS 1 forwarded/s', b.aedes.saturated.forwarded],
    ['readings/s acked = stored (best unbroken step)', best?.achieved, 'raw SQLite inserts/s, 1 per transaction', b.sqlite.perRow],
    ['readings/s anchored (sustained)', p.sustained, 'raw keccak256 hashes/s', b.hashing.keccakPerSecond],
    ['readings/s anchored (sustained)', p.sustained, 'anchor leaf encodings/s (one thread)', b.hashing.leafEncodingsPerSecond],
  ];
  const lines = ['| PulseProof figure | value | baseline | value | ratio |', '| --- | ---: | --- | ---: | ---: |'];
  for (const [what, v, base, bv] of rows) lines.push(`| ${what} | ${fmt(v)} | ${base} | ${bv === undefined ? 'skipped' : fmt(bv)} | ${ratio(v, bv)} |`);
  if (paced) {
    const lrows = [
      [`publish→stored p50 at ${fmt(paced.offered)}/s, ${fmt(paced.devices)} devices`, paced.latencyMs.stored.p50, 'Mosquitto publish→PUBACK p50', mq?.paced.puback?.p50],
      [`publish→alert-evaluated p50 at ${fmt(paced.offered)}/s`, paced.latencyMs.evaluated.p50, 'Mosquitto publish→subscriber p50', mq?.paced.delivery?.p50],
      [`publish→alert-evaluated p50 at ${fmt(paced.offered)}/s`, paced.latencyMs.evaluated.p50, 'bare aedes publish→subscriber p50', b.aedes.paced.delivery?.p50],
    ];
    for (const [what, v, base, bv] of lrows) lines.push(`| ${what} | ${ms(v)} | ${base} | ${bv === undefined ? 'skipped' : ms(bv)} | ${ratio(v, bv)} |`);
  }
  return lines.join('\n');
}
