#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { auditVerify } from './audit-verify';

export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

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

  const audit = program.command('audit').description('auditor tools: verify proof receipts without trusting PulseProof');
  audit
    .command('verify')
    .description('recompute the leaf of each receipt, check its proof against the root, and the root against the contract on chain')
    .argument('<receipt>', 'a receipt file: one JSON receipt, or NDJSON with one receipt per line (from GET /api/readings/:id/receipt)')
    .option('--rpc <url>', 'JSON-RPC endpoint of the chain the receipt names (default: $CHAIN_RPC_URL)', process.env['CHAIN_RPC_URL'])
    .addHelpText('after', '\nExit status: 0 every receipt is valid, 1 a receipt is invalid (one line on stderr says what failed), 2 bad usage or unreadable input.\n\nExample:\n  curl -s localhost:8080/api/readings/sim-bed-001:1795000000000/receipt > r.json\n  npx pulseproof audit verify r.json --rpc http://127.0.0.1:8545')
    .action(async (file: string, options: { rpc?: string }) => {
      if (!options.rpc) {
        io.err('error: --rpc <url> is required: the JSON-RPC endpoint of the chain the receipt names (or set CHAIN_RPC_URL)');
        exitCode = 2;
        return;
      }
      const outcome = await auditVerify(file, options.rpc);
      for (const line of outcome.lines) (line.stream === 'out' ? io.out : io.err)(line.text);
      exitCode = outcome.exitCode;
    });

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
