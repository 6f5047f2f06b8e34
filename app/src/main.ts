import { ConfigError, loadConfig, loadDotEnv } from './config';
import { startEmbedded } from './embedded';

/** `npm start`: everything in one process, until Ctrl-C. Resolves to the exit code. */
export async function main(): Promise<number> {
  let system: Awaited<ReturnType<typeof startEmbedded>>;
  try {
    loadDotEnv();
    system = await startEmbedded(loadConfig(process.env));
  } catch (error) {
    if (error instanceof ConfigError || (error instanceof Error && 'code' in error && String(error.code).includes('_E_'))) {
      process.stderr.write(`pulseproof: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  for (const line of system.summary()) process.stdout.write(`${line}\n`);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        process.stderr.write(`pulseproof: ${signal} again: exiting now\n`);
        process.exit(130);
      }
      stopping = true;
      process.stdout.write(`\n${signal}: stopping the simulator, services, broker and chain...\n`);
      system.stop().then(
        () => {
          process.stdout.write('stopped cleanly\n');
          resolve(0);
        },
        (error: unknown) => {
          process.stderr.write(`pulseproof: stop failed: ${String(error)}\n`);
          resolve(1);
        },
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`pulseproof: could not start: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
