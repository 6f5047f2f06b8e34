#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { FirmwareBridge, BridgeLog, BridgeStats } from './bridge';
import { BridgeConfig, loadBridgeConfig } from './config';
import { PortListing, listSerialPorts } from './list-ports';
import { BridgeRuntimeError, redactUrl } from './runtime-errors';

/**
 * `pulseproof-bridge --config bridge.json`: reads the configured serial ports and publishes their
 * readings until SIGINT/SIGTERM, with a progress line every --progress seconds and a summary at the
 * end. `pulseproof-bridge --list`: the serial ports this machine has.
 *
 * Exit codes: 0 after a run or a listing, 1 when the ports cannot be listed, 2 for bad usage or a
 * bad config file (one line on stderr saying what to fix), 130 on a second Ctrl-C while stopping.
 */
export const CLI_NAME = 'pulseproof-bridge';
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** The broker password, when the config file should not hold it. */
export const PASSWORD_ENV = 'PULSEPROOF_BRIDGE_PASSWORD';
/** How long stopping waits for buffered readings to be acknowledged before leaving them on disk. */
const STOP_DRAIN_MS = 5000;

export interface CliOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface CliRunContext {
  /** aborting it stops the run as Ctrl-C does (tests) */
  readonly signal?: AbortSignal;
  readonly env?: NodeJS.ProcessEnv;
}

const HELP_AFTER = `
Config file (JSON):
  { "broker": { "url": "mqtt://broker:1883", "clientId": "gw-ward-7", "username": "gw-ward-7" },
    "bufferDir": "./bridge-data", "bufferMaxReadings": 100000,
    "ports": [{ "path": "/dev/ttyUSB0", "baudRate": 115200, "devices": ["bed-1", "bed-2"] }] }
  Optional: "bufferMaxBytes" (default 64 MiB), "maxInFlight" (default 32), "broker.password"
  (prefer the ${PASSWORD_ENV} environment variable). A relative bufferDir is relative to the file.

Frames: serial frame format v1 (docs/serial-protocol.md). A frame from a device not listed for its
port, or with a bad checksum, is counted and logged, never published. Readings are published at
QoS 1 on pulseproof/v1/devices/<deviceId>/readings with a persistent session named after clientId.
While the broker is unreachable they wait on disk (bounded; when full the oldest is dropped and
counted) and are delivered in order when it returns. A port that disappears is reopened.

Examples:
  ${CLI_NAME} --list
  ${PASSWORD_ENV}=secret ${CLI_NAME} --config /etc/pulseproof/bridge.json
`;

export async function main(argv: readonly string[], io: CliOutput = processOutput, context: CliRunContext = {}): Promise<number> {
  const program = new Command(CLI_NAME)
    .description('Serial devices to PulseProof: reads framed readings from serial ports and publishes them over MQTT as a gateway.')
    .option('--config <file>', 'JSON file mapping serial ports to devices and naming the broker')
    .option('--list', 'list the serial ports of this machine and exit')
    .option('--progress <seconds>', 'seconds between progress lines (0: none)', '10')
    .addHelpText('after', HELP_AFTER)
    .helpOption('-h, --help', 'show this help')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
      outputError: (text, write) => write(`${CLI_NAME}: ${text.replace(/^error: /, '').trimEnd()} (see --help)\n`),
    });
  try {
    program.parse([...argv], { from: 'node' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    throw error;
  }
  const opts = program.opts<{ config?: string; list?: boolean; progress: string }>();
  const usage = (message: string) => {
    io.stderr(`${CLI_NAME}: ${message} (see --help)\n`);
    return EXIT_USAGE;
  };
  if (opts.list && opts.config) return usage('--list and --config do not go together');
  if (opts.list) return listPorts(io);
  if (!opts.config) return usage('--config <file> is required (or --list)');
  const progressSeconds = Number(opts.progress);
  if (!Number.isFinite(progressSeconds) || progressSeconds < 0) return usage(`--progress must be a number of seconds >= 0, not "${opts.progress}"`);

  let config: BridgeConfig;
  try {
    config = withPasswordFromEnv(loadBridgeConfig(opts.config), (context.env ?? process.env)[PASSWORD_ENV]);
  } catch (error) {
    if (!(error instanceof BridgeRuntimeError)) throw error;
    io.stderr(`${CLI_NAME}: ${error.code}: ${error.message}\n`);
    return EXIT_USAGE;
  }
  return run(config, io, progressSeconds * 1000, context.signal);
}

async function run(config: BridgeConfig, io: CliOutput, progressMs: number, signal: AbortSignal | undefined): Promise<number> {
  const log: BridgeLog = {
    info: (message) => io.stdout(`${CLI_NAME}: ${message}\n`),
    warn: (message) => io.stderr(`${CLI_NAME}: ${message}\n`),
  };
  const bridge = new FirmwareBridge(config, log);
  const startedAt = Date.now();
  io.stdout(
    `${CLI_NAME}: ${config.ports.length} port(s) to ${redactUrl(config.broker.url)} as ${config.broker.clientId}; ` +
      `buffer ${config.bufferDir} (at most ${config.bufferMaxReadings} readings). Ctrl-C to stop.\n`,
  );
  bridge.start();
  const progress = progressMs > 0 ? setInterval(() => io.stdout(`${statsLine(bridge.stats(), Date.now() - startedAt)}\n`), progressMs) : undefined;
  await untilStopRequested(signal);
  clearInterval(progress);
  io.stdout(`${CLI_NAME}: stopping, waiting up to ${STOP_DRAIN_MS / 1000} s for buffered readings to be acknowledged...\n`);
  const forceExit = () => {
    io.stderr(`${CLI_NAME}: stopped without waiting; unacknowledged readings stay in ${config.bufferDir}\n`);
    process.exit(130);
  };
  process.once('SIGINT', forceExit);
  try {
    const final = await bridge.stop(STOP_DRAIN_MS);
    io.stdout(`${CLI_NAME}: summary: ${statsLine(final, Date.now() - startedAt)}\n`);
  } finally {
    process.off('SIGINT', forceExit);
  }
  return EXIT_OK;
}

export function statsLine(stats: BridgeStats, elapsedMs: number): string {
  return (
    `[${(elapsedMs / 1000).toFixed(1)}s] frames ok ${stats.framesOk}  corrupt ${stats.corrupt}  rejected ${stats.rejected}  ` +
    `published ${stats.published}  buffered ${stats.buffered}  dropped ${stats.dropped}  ` +
    `ports open ${stats.portsOpen}  broker ${stats.connected ? 'connected' : 'unavailable'}`
  );
}

async function listPorts(io: CliOutput): Promise<number> {
  let listing: PortListing;
  try {
    listing = await listSerialPorts();
  } catch (error) {
    io.stderr(`${CLI_NAME}: cannot list serial ports: ${(error as Error).message}\n`);
    return EXIT_FAILURE;
  }
  if (listing.note) io.stdout(`${listing.note}\n`);
  if (listing.ports.length === 0) {
    io.stdout('no serial ports found (a USB adapter shows up as /dev/ttyUSB* or /dev/ttyACM*; a socat pty is never listed but can be configured)\n');
  }
  for (const port of listing.ports) io.stdout(`${port.path}${port.details ? `  ${port.details}` : ''}\n`);
  return EXIT_OK;
}

function withPasswordFromEnv(config: BridgeConfig, password: string | undefined): BridgeConfig {
  if (password === undefined || password === '') return config;
  return Object.freeze({ ...config, broker: Object.freeze({ ...config.broker, password }) });
}

/** Resolves on SIGINT/SIGTERM or when the signal aborts. */
function untilStopRequested(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    signal?.addEventListener('abort', done, { once: true });
    if (signal?.aborted) done();
    function done() {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}

const processOutput: CliOutput = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Entry point of the `pulseproof-bridge` binary (bin/pulseproof-bridge.js). */
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
