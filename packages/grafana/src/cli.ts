import { resolve } from 'node:path';
import { staleFiles, writeFiles } from './generate';

/** infra/grafana of the repository, from packages/grafana/dist */
export const INFRA_GRAFANA = resolve(__dirname, '../../../infra/grafana');

const USAGE = `usage: npm run grafana [-- --check]
  writes the Grafana dashboards and provisioning files to infra/grafana
  --check  writes nothing; exits 1 if the committed files differ from the generator's output`;

function main(args: readonly string[]): number {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const unknown = args.filter((a) => a !== '--check');
  if (unknown.length > 0) {
    process.stderr.write(`grafana: unknown argument ${unknown[0]}\n${USAGE}\n`);
    return 2;
  }
  if (args.includes('--check')) {
    const stale = staleFiles(INFRA_GRAFANA);
    if (stale.length === 0) return 0;
    process.stderr.write(`grafana: infra/grafana is out of date (${stale.join(', ')}): run npm run grafana and commit the result\n`);
    return 1;
  }
  for (const path of writeFiles(INFRA_GRAFANA)) process.stdout.write(`wrote infra/grafana/${path}\n`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
