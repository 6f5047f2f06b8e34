import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { SimulatorError } from './errors';
import { FLEET_DEFAULTS, MAX_PATIENTS, MIN_INTERVAL_MS, planFleet } from './fleet-plan';
import { FleetOptions } from './fleet';
import { readTlsFiles } from './tls-files';
import { WardScenario, loadWardScenario } from './ward-scenario';

/** The command line of `pulseproof-sim`, parsed and checked; a bad option ends with exit code 2. */
export interface CliOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface CliRunOptions {
  readonly fleet: FleetOptions;
  /** stop after this many ms; undefined: run until SIGINT/SIGTERM */
  readonly durationMs: number | undefined;
  /** --scenario: the ward file replaces --patients, --deteriorating and --onset */
  readonly ward?: WardScenario;
}

export type CliParseResult = { readonly kind: 'run'; readonly options: CliRunOptions } | { readonly kind: 'exit'; readonly code: number };

export const CLI_NAME = 'pulseproof-sim';
export const EXIT_BAD_OPTION = 2;
export const PASSWORD_ENV = 'PULSEPROOF_SIM_PASSWORD';

const MQTT_PROTOCOLS = new Set(['mqtt:', 'mqtts:', 'tcp:', 'ssl:', 'ws:', 'wss:']);

const HELP_AFTER = `
Before you start: every device must be registered with PulseProof, or ingest dead-letters its
readings as coming from an unknown device. The embedded \`npm start\` registers and runs its own
simulated fleet; use this command against a broker whose PulseProof knows these device ids
(${FLEET_DEFAULTS.idPrefix}-bed-001 ... with the default --id-prefix).

Devices publish wire format v1 at QoS 1 on pulseproof/v1/devices/<deviceId>/readings, with a
persistent MQTT session (clean session off) named after the device id.

Examples:
  ${CLI_NAME}                                      20 patients, 3 deteriorating, until Ctrl-C
  ${CLI_NAME} --url mqtt://broker.local:1883 --patients 50 --deteriorating 0.1 --duration 600
  ${PASSWORD_ENV}=secret ${CLI_NAME} --username ward-7
  ${CLI_NAME} --scenario ward.json --speed 10 --seed 7
  ${CLI_NAME} load --devices 5000 --rate 2000 --duration 60     (load mode: ${CLI_NAME} load --help)
  ${CLI_NAME} ambulances --units 4 --speed 10                  (ambulance fleet: ${CLI_NAME} ambulances --help)
`;

export function parseCliArgs(argv: readonly string[], io: CliOutput): CliParseResult {
  const program = new Command(CLI_NAME)
    .description('Simulated patients on bedside monitors, publishing vital signs to PulseProof over MQTT.')
    .option('--url <url>', 'MQTT broker to publish to', 'mqtt://127.0.0.1:1883')
    .option('--patients <count>', 'patients, one bedside monitor each', wholeNumber('patients', 1, MAX_PATIENTS), FLEET_DEFAULTS.patients)
    .option(
      '--deteriorating <count>',
      'patients who deteriorate (sepsis-like, NEWS2 >= 7 within 3 minutes of onset): a count, or a fraction of the patients below 1 (default: 3, or every patient when fewer)',
      nonNegativeNumber('deteriorating'),
    )
    .option('--interval <ms>', 'milliseconds between two readings of one device', atLeast('interval', MIN_INTERVAL_MS), FLEET_DEFAULTS.intervalMs)
    .option('--seed <seed>', 'same seed, same patients and the same vital signs', String(FLEET_DEFAULTS.seed))
    .option('--onset <seconds>', 'seconds after the start at which deteriorating patients begin to decline', nonNegativeNumber('onset'), FLEET_DEFAULTS.deteriorationOnsetMs / 1000)
    .option('--id-prefix <prefix>', 'device ids are <prefix>-bed-001..., patient ids <prefix>-patient-001...', FLEET_DEFAULTS.idPrefix)
    .option('--username <name>', 'MQTT user name')
    .addOption(new Option('--password <secret>', 'MQTT password (prefer the environment variable: the command line is visible to other users)').env(PASSWORD_ENV))
    .option('--duration <seconds>', 'stop after this many seconds (default: run until Ctrl-C)', positiveNumber('duration'))
    .option('--scenario <file>', 'ward scenario file (JSON: patients, device types, timelines); replaces --patients/--deteriorating/--onset')
    .option('--speed <factor>', 'simulated time runs this many times faster (timelines, deterioration); readings still go every --interval of real time', positiveNumber('speed'), 1)
    .addOption(new Option('--qos <qos>', 'MQTT QoS of each reading').choices(['0', '1']).default('1'))
    .option('--ca <file>', 'CA certificate (PEM) to trust for mqtts://')
    .option('--cert <file>', 'client certificate (PEM) for mutual TLS')
    .option('--key <file>', 'private key (PEM) of --cert')
    .option('--insecure', 'accept a broker certificate that does not verify (test brokers only)')
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
    if (error instanceof CommanderError) {
      return { kind: 'exit', code: error.exitCode === 0 ? 0 : EXIT_BAD_OPTION };
    }
    throw error;
  }

  const opts = program.opts<{
    url: string;
    patients: number;
    deteriorating?: number;
    interval: number;
    seed: string;
    onset: number;
    idPrefix: string;
    username?: string;
    password?: string;
    duration?: number;
    scenario?: string;
    speed: number;
    qos: string;
    ca?: string;
    cert?: string;
    key?: string;
    insecure?: boolean;
  }>();
  let ward: WardScenario | undefined;
  let tls: FleetOptions['tls'];
  try {
    ward = opts.scenario === undefined ? undefined : loadWardScenario(opts.scenario);
    // an explicit --seed replays the same ward file with other patients
    if (ward && program.getOptionValueSource('seed') === 'cli') {
      ward = { ...ward, seed: /^\d{1,9}$/.test(opts.seed) ? Number(opts.seed) : opts.seed };
    }
    if (ward && program.getOptionValueSource('interval') === 'cli') ward = { ...ward, intervalMs: opts.interval };
    tls = readTlsFiles(opts);
  } catch (error) {
    if (!(error instanceof SimulatorError)) throw error;
    io.stderr(`${CLI_NAME}: ${error.message}\n`);
    return { kind: 'exit', code: EXIT_BAD_OPTION };
  }
  const fleet: FleetOptions = {
    brokerUrl: opts.url,
    patients: opts.patients,
    deteriorating: opts.deteriorating,
    intervalMs: opts.interval,
    // a numeric seed means the same fleet as the library's numeric seed
    seed: /^\d{1,9}$/.test(opts.seed) ? Number(opts.seed) : opts.seed,
    deteriorationOnsetMs: opts.onset * 1000,
    idPrefix: opts.idPrefix,
    username: opts.username,
    password: opts.password,
    speed: opts.speed,
    qos: Number(opts.qos) as 0 | 1,
    ...(tls ? { tls } : {}),
  };

  const problem = checkUrl(opts.url) ?? checkPlan(fleet);
  if (problem) {
    io.stderr(`${CLI_NAME}: ${problem} (see --help)\n`);
    return { kind: 'exit', code: EXIT_BAD_OPTION };
  }
  return {
    kind: 'run',
    options: { fleet, durationMs: opts.duration === undefined ? undefined : opts.duration * 1000, ...(ward ? { ward } : {}) },
  };
}

function checkUrl(url: string): string | undefined {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    return `--url must be a broker URL such as mqtt://127.0.0.1:1883 (got "${url}")`;
  }
  if (!MQTT_PROTOCOLS.has(protocol)) {
    return `--url must use mqtt://, mqtts://, ws:// or wss:// (got "${protocol}")`;
  }
  return undefined;
}

function checkPlan(fleet: FleetOptions): string | undefined {
  try {
    planFleet(fleet);
    return undefined;
  } catch (error) {
    if (error instanceof SimulatorError) return error.message;
    throw error;
  }
}

function parseNumber(name: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new InvalidArgumentError(`${name} must be a number.`);
  return value;
}

function wholeNumber(name: string, min: number, max: number) {
  return (text: string): number => {
    const value = parseNumber(name, text);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}.`);
    }
    return value;
  };
}

function atLeast(name: string, min: number) {
  return (text: string): number => {
    const value = parseNumber(name, text);
    if (value < min) throw new InvalidArgumentError(`${name} must be at least ${min}.`);
    return value;
  };
}

function nonNegativeNumber(name: string) {
  return atLeast(name, 0);
}

function positiveNumber(name: string) {
  return (text: string): number => {
    const value = parseNumber(name, text);
    if (value <= 0) throw new InvalidArgumentError(`${name} must be greater than 0.`);
    return value;
  };
}
