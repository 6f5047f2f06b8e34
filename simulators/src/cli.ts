#!/usr/bin/env node
import { SimulatorError, redactUrl } from './errors';
import { CLI_NAME, CliOutput, EXIT_BAD_OPTION, PASSWORD_ENV, parseCliArgs } from './cli-options';
import { Fleet, FleetTotals, startFleet } from './fleet';
import { mainAmbulances } from './ambulance/ambulance-cli';
import { mainLoad } from './load/load-cli';
import { startWard } from './ward';

/**
 * `pulseproof-sim`: runs a simulated ward against an MQTT broker, prints progress about once a
 * second and a summary at the end (duration elapsed, Ctrl-C or SIGTERM).
 *
 * Exit codes: 0 after a run, 1 when the broker cannot be reached or refuses the devices,
 * 2 for a bad option, 130 on a second Ctrl-C while stopping.
 */
export const EXIT_OK = 0;
export const EXIT_BROKER = 1;

const PROGRESS_EVERY_MS = 1000;
/** How long the final stop waits for readings in flight to be acknowledged. */
const STOP_TIMEOUT_MS = 5000;

export interface CliRunContext {
  /** aborting it stops the run as Ctrl-C does (tests); process signals are always honoured too */
  readonly signal?: AbortSignal;
}

export async function main(argv: readonly string[], io: CliOutput = processOutput, context: CliRunContext = {}): Promise<number> {
  if (argv[2] === 'load') return mainLoad(argv.slice(3), io, context.signal);
  if (argv[2] === 'ambulances') return mainAmbulances(argv.slice(3), io, context.signal);
  const parsed = parseCliArgs(argv, io);
  if (parsed.kind === 'exit') return parsed.code;
  const { fleet: fleetOptions, durationMs, ward } = parsed.options;
  const url = redactUrl(fleetOptions.brokerUrl);

  let fleet: Fleet;
  try {
    fleet = ward
      ? await startWard({ ...fleetOptions, scenario: ward, intervalMs: ward.intervalMs ?? fleetOptions.intervalMs })
      : await startFleet(fleetOptions);
  } catch (error) {
    if (!(error instanceof SimulatorError)) throw error;
    io.stderr(`${CLI_NAME}: ${error.message}; ${hint(error)}\n`);
    return error.code === 'SIM_E_BAD_OPTION' ? EXIT_BAD_OPTION : EXIT_BROKER;
  }

  const startedAt = Date.now();
  const deteriorating = fleet.members.filter((member) => member.deteriorates).map((member) => member.deviceId);
  const intervalMs = ward?.intervalMs ?? fleetOptions.intervalMs;
  const speed = fleetOptions.speed !== undefined && fleetOptions.speed !== 1 ? `, simulated time x${fleetOptions.speed}` : '';
  const story = ward
    ? `ward of ${ward.patients.length} patients from the scenario file${speed}`
    : `${deteriorating.length} deteriorating (${deteriorating.join(', ') || 'none'}) from ${(fleetOptions.deteriorationOnsetMs ?? 0) / 1000} s${speed}`;
  io.stdout(
    `${CLI_NAME}: ${fleet.members.length} devices connected to ${url}, one reading each every ${intervalMs} ms; ${story}. ` +
      `${durationMs === undefined ? 'Ctrl-C to stop.' : `Stopping after ${durationMs / 1000} s.`}\n`,
  );

  let previous: FleetTotals = fleet.stats();
  let previousAt = startedAt;
  const progress = setInterval(() => {
    const now = Date.now();
    const current = fleet.stats();
    io.stdout(`${progressLine(current, previous, now - previousAt, now - startedAt, fleet.members.length)}\n`);
    previous = current;
    previousAt = now;
  }, PROGRESS_EVERY_MS);

  await untilStopRequested(durationMs, context.signal);
  clearInterval(progress);
  io.stdout(`${CLI_NAME}: stopping, waiting up to ${STOP_TIMEOUT_MS / 1000} s for readings in flight...\n`);
  const forceExit = () => {
    io.stderr(`${CLI_NAME}: stopped without waiting for acknowledgements\n`);
    process.exit(130);
  };
  process.once('SIGINT', forceExit);
  try {
    const final = await fleet.stop({ timeoutMs: STOP_TIMEOUT_MS });
    io.stdout(`${summaryLine(final, Date.now() - startedAt, fleet.members.length)}\n`);
  } finally {
    process.off('SIGINT', forceExit);
  }
  return EXIT_OK;
}

function hint(error: SimulatorError): string {
  switch (error.code) {
    case 'SIM_E_BROKER_UNREACHABLE':
      return 'start PulseProof (npm start) or point --url at your broker, e.g. --url mqtt://host:1883';
    case 'SIM_E_BROKER_REJECTED':
      return `check --username and ${PASSWORD_ENV} (or --password), and that the devices are registered`;
    case 'SIM_E_BAD_OPTION':
    case 'SIM_E_BAD_SCENARIO':
      return 'see --help';
  }
}

/** Resolves at the end of the duration, on SIGINT/SIGTERM, or when the signal aborts. */
function untilStopRequested(durationMs: number | undefined, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = durationMs === undefined ? undefined : setTimeout(done, durationMs);
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    signal?.addEventListener('abort', done, { once: true });
    if (signal?.aborted) done();
    function done() {
      clearTimeout(timer);
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}

export function progressLine(current: FleetTotals, previous: FleetTotals, windowMs: number, elapsedMs: number, devices: number): string {
  const rate = windowMs > 0 ? ((current.acked - previous.acked) * 1000) / windowMs : 0;
  return (
    `[${formatSeconds(elapsedMs).padStart(7)}] sent ${current.sent}  acked ${current.acked}  errors ${current.errors}  ` +
    `in flight ${current.inFlight}  ${rate.toFixed(1)} acked/s  connected ${current.connected}/${devices}`
  );
}

export function summaryLine(final: FleetTotals, elapsedMs: number, devices: number): string {
  const rate = elapsedMs > 0 ? (final.acked * 1000) / elapsedMs : 0;
  return (
    `${CLI_NAME}: ran ${formatSeconds(elapsedMs)} with ${devices} devices: sent ${final.sent}, acked ${final.acked}, ` +
    `errors ${final.errors}, unacknowledged ${final.inFlight}, ${rate.toFixed(1)} acked/s`
  );
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

const processOutput: CliOutput = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Entry point of the `pulseproof-sim` binary (bin/pulseproof-sim.js). */
export function runFromProcess(): void {
  main(process.argv).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${CLI_NAME}: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}

if (require.main === module) runFromProcess();
