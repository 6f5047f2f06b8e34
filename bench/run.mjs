#!/usr/bin/env node
// `npm run bench -- <suite> [--quick]`: benchmarks of the built packages (run `npm run build` first).
// Figures only, never pass/fail: speed depends on the machine (see docs/performance.md).
const SUITES = {
  anchor: () => import('./anchor.mjs'),
  ingest: () => import('./ingest.mjs'),
  alerts: () => import('./alerts.mjs'),
};

const args = process.argv.slice(2);
const names = args.filter((a) => !a.startsWith('--'));
if (args.includes('--help') || names.length === 0 || names.some((n) => !(n in SUITES))) {
  process.stderr.write(
    `usage: npm run bench -- <suite> [--quick]\n  suites: ${Object.keys(SUITES).join(', ')}\n` +
      '  --quick  smaller sizes (anchor: 4,096 and 65,536 leaves instead of 65,536 and 1,048,576;\n' +
      '           ingest: 50 devices for 4 s per run instead of 500 for 20 s;\n' +
      '           alerts: 5 s per offered rate and 10 stable patients instead of 30 s and 100)\n' +
      'Prints the figures and writes them as JSON under bench/results/.\n',
  );
  process.exitCode = args.includes('--help') ? 0 : 2;
} else {
  for (const name of names) await (await SUITES[name]()).run({ quick: args.includes('--quick') });
}
