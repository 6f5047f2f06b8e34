// The run's Markdown report: what ran, with which command, on what machine, and each suite's figures
// (plots as SVG files beside it), PulseProof figures as ratios to their baselines first.
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { baselinesMarkdown, fmt, ms, pipelineCharts, pipelineMarkdown, ratiosMarkdown } from './report-pipeline.mjs';

function anchorMarkdown(a) {
  const lines = ['| what | figure |', '| --- | ---: |', `| keccak256, 64-byte input (baseline) | ${fmt(a.keccakPerSecond)} hashes/s |`];
  for (const t of a.trees) lines.push(`| tree + all proofs, ${fmt(t.leaves)} leaves | ${fmt(t.leavesPerSecond)} leaves/s (${t.seconds.toFixed(2)} s, ${t.vsKeccak.toFixed(2)} × keccak) |`);
  lines.push(`| receipts verified offline | ${fmt(a.receiptsOffline.receiptsPerSecond)} receipts/s |`);
  lines.push(`| gas per anchor() / per reading in a 65,536 batch | ${fmt(a.gasPerAnchor)} / ${a.gasPerReading.toFixed(2)} |`);
  return lines.join('\n');
}

function ingestMarkdown(i) {
  return ['| what | figure |', '| --- | ---: |', ...i.rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
}

function alertsMarkdown(a) {
  const lines = [`Device publish → alert on a console's MQTT subscription (MQTT auth ${a.auth}):`, '', '| offered/s | achieved/s | probes alerted | p50 | p99 | max |', '| ---: | ---: | ---: | ---: | ---: | ---: |'];
  for (const l of a.latency.levels) lines.push(`| ${l.offeredRate === 0 ? 'no load' : fmt(l.offeredRate)} | ${fmt(l.achievedRate)}${l.offeredReached ? '' : ' (not reached)'} | ${l.alerted}/${l.probes} | ${ms(l.p50Ms)} | ${ms(l.p99Ms)} | ${ms(l.maxMs)} |`);
  const al = a.alarmLoad;
  lines.push('', `Alarm load over ${al.simulatedDays} simulated day: stable cohort ${al.stable.patients} patients, ${al.stable.alertsPerPatientDay.toFixed(2)} alerts per patient-day.`, '', '| scenario | detected | median time to alert |', '| --- | ---: | ---: |');
  for (const s of al.scenarios) lines.push(`| ${s.scenario} | ${s.detected}/${s.patients} | ${s.medianTimeToAlertMs === null ? '-' : `${(s.medianTimeToAlertMs / 60_000).toFixed(1)} min`} |`);
  return lines.join('\n');
}

const RENDER = { anchor: anchorMarkdown, ingest: ingestMarkdown, alerts: alertsMarkdown, baselines: baselinesMarkdown };

/** Writes `<stem>.md` and its SVGs next to it; returns the Markdown file's path. */
export function writeReport(stem, run, registry) {
  const svgs = {};
  const img = (key) => {
    if (!svgs[key]) return '';
    const file = `${basename(stem)}-${key}.svg`;
    return `![${key}](${file})`;
  };
  const out = [
    `# PulseProof benchmark, ${run.at}`,
    '',
    `- command: \`${run.command}\` (${run.mode} sizes${run.mode === 'full' ? '' : ': NOT the figures to size a deployment from'})`,
    `- machine: ${run.machine.cpus} × ${run.machine.cpu}, ${run.machine.memoryGb} GB, Node ${run.machine.node}, load average at start ${run.machine.loadAverage.join(' / ')}` +
      (run.machine.loadAverage[0] > run.machine.cpus * 0.5 ? ' (**the machine was busy: figures are not representative**)' : ''),
    `- took ${Math.round(run.seconds)} s; results JSON: \`${basename(stem)}.json\``,
    '',
    '| suite | status | sizes | seconds |',
    '| --- | --- | --- | ---: |',
    ...registry.map(({ name }) => {
      const s = run.suites[name];
      if (!s) return `| ${name} | not selected | | |`;
      return `| ${name} | ${s.status === 'ok' ? 'ok' : s.status === 'skipped' ? `skipped: ${s.reason}` : `**failed**: ${s.error.split('\n')[0]}`} | ${s.result?.sizes ?? ''} | ${s.seconds === undefined ? '' : Math.round(s.seconds)} |`;
    }),
  ];
  const ok = (name) => (run.suites[name]?.status === 'ok' ? run.suites[name].result : undefined);
  if (ok('pipeline') && ok('baselines')) out.push('', '## PulseProof against its baselines', '', ratiosMarkdown(ok('pipeline'), ok('baselines')));
  for (const { name, title, module } of registry) {
    const s = run.suites[name];
    if (!s) continue;
    out.push('', `## ${title}`, '');
    if (s.status === 'skipped') out.push(`Skipped: ${s.reason}`);
    else if (s.status === 'failed') out.push('Failed:', '', '```', s.error, '```');
    else if (name === 'pipeline') {
      Object.assign(svgs, pipelineCharts(s.result));
      out.push(pipelineMarkdown(s.result, img));
    } else if (typeof module?.markdown === 'function') out.push(module.markdown(s.result));
    else if (RENDER[name]) out.push(RENDER[name](s.result));
    else out.push('```json', JSON.stringify(s.result, null, 2), '```');
  }
  for (const [key, svg] of Object.entries(svgs)) writeFileSync(`${stem}-${key}.svg`, svg);
  writeFileSync(`${stem}.md`, `${out.join('\n')}\n`);
  return `${stem}.md`;
}

