#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { resolve } from 'node:path';
import { DEFAULT_AUDIT_GRACE_MS } from '@pulseproof/anchor';
import { auditRangeCommand, parseTime } from './audit-range';
import { AuditSink, auditVerifyTo } from './audit-verify';
import { addAccessCommands } from './access/access-cli';
import { addDevicesCommands } from './devices-cli';
import { addProcessCommands } from './processes/process-commands';

export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** stderr is a terminal: progress rewrites one line there (with `errRaw`) instead of adding lines */
  readonly errIsTty?: boolean;
  readonly errRaw?: (text: string) => void;
}

const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  errIsTty: process.stderr.isTTY === true,
  errRaw: (text) => process.stderr.write(text),
};

/** Off a terminal (a log file, CI), a progress line every this many receipts. */
export const PROGRESS_EVERY = 1000;

/**
 * Progress for long NDJSON runs: on a terminal one line rewritten in place (cleared before any
 * other line, at most ten times a second); elsewhere a plain line every PROGRESS_EVERY receipts.
 */
function withProgress(io: CliIo): AuditSink {
  const raw = io.errIsTty ? io.errRaw : undefined;
  if (!raw) {
    return {
      ...io,
      progress: (done, total) => {
        if (done % PROGRESS_EVERY === 0 && done < total) io.err(`progress: ${done}/${total} receipts checked`);
      },
    };
  }
  let shown = false;
  let lastAt = 0;
  const clear = () => {
    if (shown) raw('\r\x1b[K');
    shown = false;
  };
  return {
    out: (line) => (clear(), io.out(line)),
    err: (line) => (clear(), io.err(line)),
    progress: (done, total) => {
      const now = Date.now();
      if (done === total) return clear();
      if (now - lastAt < 100) return;
      lastAt = now;
      raw(`\rchecked ${done}/${total} receipts`);
      shown = true;
    },
  };
}

/** Runs the `pulseproof` command line; resolves to the exit code. Tests call this in-process. */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  let exitCode = 0;
  const program = new Command('pulseproof')
    .description('PulseProof: vital signs stored, anchored on chain and watched for deterioration.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError('(run pulseproof --help for usage)');

  program
    .command('start')
    .description('run the whole pipeline in one process on embedded defaults (same as npm start)')
    .action(async () => {
      const { main } = await import('./main');
      exitCode = await main();
    });

  const audit = program.command('audit').description('auditor tools: verify proof receipts and audit stored readings without trusting PulseProof');
  audit
    .command('verify')
    .description('recompute the leaf of each receipt, check its proof against the root, and the root against the contract on chain')
    .argument('<receipt>', 'a receipt file: one JSON receipt, or NDJSON with one receipt per line (from GET /api/readings/:id/receipt)')
    .option('--rpc <url>', 'JSON-RPC endpoint of the chain the receipt names (default: $CHAIN_RPC_URL)', process.env['CHAIN_RPC_URL'])
    .addHelpText('after', '\nA file of many receipts ends with a summary line (N valid, M invalid, failures counted by kind) and shows progress on stderr; receipts of one root cost one chain lookup.\n\nExit status: 0 every receipt is valid, 1 a receipt is invalid (one line on stderr says what failed), 2 bad usage or unreadable input.\n\nExample:\n  curl -s localhost:8080/api/readings/sim-bed-001:1795000000000/receipt > r.json\n  npx pulseproof audit verify r.json --rpc http://127.0.0.1:8545')
    .action(async (file: string, options: { rpc?: string }) => {
      if (!options.rpc) {
        io.err('error: --rpc <url> is required: the JSON-RPC endpoint of the chain the receipt names (or set CHAIN_RPC_URL)');
        exitCode = 2;
        return;
      }
      exitCode = await auditVerifyTo(file, options.rpc, withProgress(io));
    });

  audit
    .command('range')
    .description(
      'audit every batch holding a reading in a time range: rebuild each root from the stored readings, check it on chain, ' +
        'and name each reading that was altered, deleted or inserted since it was stored',
    )
    .requiredOption('--from <time>', 'start of the range, device time: ISO 8601 (2026-11-22T10:00:00Z) or ms since the epoch')
    .requiredOption('--to <time>', 'end of the range (inclusive), same forms')
    .option('--data-dir <dir>', 'the DATA_DIR the pipeline ran with: readings.sqlite and anchor.sqlite are opened read-only', process.env['DATA_DIR'] ?? './data')
    .option('--rpc <url>', 'JSON-RPC endpoint of the chain the batches were anchored on (default: $CHAIN_RPC_URL)', process.env['CHAIN_RPC_URL'])
    .option('--grace <ms>', 'a stored reading without a leaf is pending, not inserted, until the anchor service has taken in readings received this much later', String(DEFAULT_AUDIT_GRACE_MS))
    .addHelpText(
      'after',
      [
        '',
        'Findings, one line each on stderr, then a summary line:',
        '  altered <reading>       the stored reading no longer gives the leaf anchored for it',
        '  deleted <reading>       an anchored reading is gone from the store',
        '  inserted <reading>      a stored reading no batch has a leaf for (not merely pending, see --grace)',
        '  root-mismatch batch <n> the anchor records no longer give the batch root',
        '  not-on-chain batch <n>  the contract does not know the batch root',
        '',
        'Exit status: 0 clean, 1 one or more findings, 2 bad usage or a store missing,',
        '3 the chain did not answer (the audit is incomplete).',
        '',
        'Example:',
        '  npx pulseproof audit range --from 2026-11-22T00:00:00Z --to 2026-11-23T00:00:00Z --data-dir ./data --rpc http://127.0.0.1:8545',
      ].join('\n'),
    )
    .action(async (options: { from: string; to: string; dataDir: string; rpc?: string; grace: string }) => {
      const from = parseTime(options.from);
      const to = parseTime(options.to);
      const graceMs = Number(options.grace);
      const usage = (text: string) => {
        io.err(`error: ${text}`);
        exitCode = 2;
      };
      if (from === undefined) return usage(`--from ${options.from} is not a time: use ISO 8601 (2026-11-22T10:00:00Z) or ms since the epoch`);
      if (to === undefined) return usage(`--to ${options.to} is not a time: use ISO 8601 (2026-11-22T10:00:00Z) or ms since the epoch`);
      if (from > to) return usage('--from is after --to');
      if (!Number.isSafeInteger(graceMs) || graceMs < 0) return usage('--grace must be a whole number of milliseconds, 0 or more');
      if (!options.rpc) return usage('--rpc <url> is required: the JSON-RPC endpoint of the chain the batches were anchored on (or set CHAIN_RPC_URL)');
      exitCode = await auditRangeCommand({ from, to, dataDir: resolve(options.dataDir), rpcUrl: options.rpc, graceMs }, io);
    });

  addDevicesCommands(program, io, (code) => (exitCode = code));
  addAccessCommands(program, io, (code) => (exitCode = code));
  addProcessCommands(program, (code) => (exitCode = code));

  try {
    await program.parseAsync(argv as string[], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with code 0; usage errors were already printed by commander.
      return error.exitCode === 0 ? 0 : 2;
    }
    throw error;
  }
  return exitCode;
}

/** Entry point of the `pulseproof` binary (bin/pulseproof.js). */
export function runFromProcess(): void {
  runCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`pulseproof: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}

if (require.main === module) runFromProcess();
