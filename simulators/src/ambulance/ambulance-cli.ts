import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { CLI_NAME, CliOutput, EXIT_BAD_OPTION } from '../cli-options';
import { SimulatorError, redactUrl } from '../errors';
import { readTlsFiles } from '../tls-files';
import { AMBULANCE_DEFAULTS, MAX_AMBULANCES } from './ambulance-plan';
import { AmbulanceFleet, startAmbulances } from './ambulance-fleet';

const HELP_AFTER = `
Units are based at the stations of PulseProof's generated demo city (the road graph the dispatcher
uses, see docs/dispatch.md). Each unit publishes its status and position as JSON on
pulseproof/v1/units/<unitId>/status every --report-interval ms and on every change, listens on
pulseproof/v1/units/<unitId>/dispatch, acknowledges an order (status "dispatched" with its
dispatchId), drives the route at the road speeds times --speed (en_route), reports on_scene, stays
--on-scene seconds, drives back to its station (returning) and reports available.

When the broker requires sign-in, each unit is a principal of kind "unit" whose user name is its
unit id: register them (pulseproof devices principal add unit amb-01 ...) and pass the passwords
with --credentials, a JSON file {"amb-01": "<password>", ...}.

Examples:
  ${CLI_NAME} ambulances                                    4 units, real-time driving, until Ctrl-C
  ${CLI_NAME} ambulances --units 6 --speed 10 --credentials units.json
`;

/** `pulseproof-sim ambulances`: a simulated ambulance fleet; exit codes as the main command (0, 1 broker, 2 bad option). */
export async function mainAmbulances(argv: readonly string[], io: CliOutput, signal?: AbortSignal): Promise<number> {
  const program = new Command(`${CLI_NAME} ambulances`)
    .description('Simulated ambulance units that report over MQTT, take dispatch orders and drive the demo city.')
    .option('--url <url>', 'MQTT broker', 'mqtt://127.0.0.1:1883')
    .option('--units <count>', `units (1-${MAX_AMBULANCES})`, whole('units'), AMBULANCE_DEFAULTS.units)
    .option('--id-prefix <prefix>', 'unit ids are <prefix>-01, <prefix>-02, ...', AMBULANCE_DEFAULTS.idPrefix)
    .option('--speed <factor>', 'simulated time runs this many times faster (driving, turnout, time on scene)', positive('speed'), 1)
    .option('--report-interval <ms>', 'milliseconds between two position reports', whole('report-interval'), 3000)
    .option('--turnout <seconds>', 'simulated seconds from acknowledging to driving off', positive('turnout'), 60)
    .option('--on-scene <seconds>', 'simulated seconds on scene before returning', positive('on-scene'), 600)
    .option('--credentials <file>', 'JSON file of unit id -> MQTT password (user name = unit id)')
    .option('--duration <seconds>', 'stop after this many seconds (default: until Ctrl-C)', positive('duration'))
    .option('--ca <file>', 'CA certificate (PEM) for mqtts://')
    .option('--cert <file>', 'client certificate (PEM)')
    .option('--key <file>', 'client key (PEM)')
    .addHelpText('after', HELP_AFTER)
    .helpOption('-h, --help', 'show this help')
    .exitOverride()
    .configureOutput({ writeOut: (t) => io.stdout(t), writeErr: (t) => io.stderr(t) });
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_BAD_OPTION;
    throw error;
  }
  const o = program.opts<{
    url: string; units: number; idPrefix: string; speed: number; reportInterval: number; turnout: number; onScene: number;
    credentials?: string; duration?: number; ca?: string; cert?: string; key?: string;
  }>();
  let fleet: AmbulanceFleet;
  try {
    const passwords = o.credentials === undefined ? undefined : readCredentials(o.credentials);
    fleet = await startAmbulances({
      brokerUrl: o.url,
      units: o.units,
      idPrefix: o.idPrefix,
      speed: o.speed,
      reportIntervalMs: o.reportInterval,
      turnoutMs: o.turnout * 1000,
      onSceneMs: o.onScene * 1000,
      tls: readTlsFiles(o),
      ...(passwords ? { credentials: (unitId: string) => (passwords[unitId] ? { username: unitId, password: passwords[unitId]! } : undefined) } : {}),
    });
  } catch (error) {
    if (!(error instanceof SimulatorError)) throw error;
    io.stderr(`${CLI_NAME} ambulances: ${error.message}\n`);
    return error.code === 'SIM_E_BAD_OPTION' ? EXIT_BAD_OPTION : 1;
  }
  io.stdout(
    `${CLI_NAME} ambulances: ${fleet.members.length} units connected to ${redactUrl(o.url)} ` +
      `(${fleet.members.map((m) => `${m.unitId}@${m.station.name}`).join(', ')}), speed x${o.speed}. ` +
      `${o.duration === undefined ? 'Ctrl-C to stop.' : `Stopping after ${o.duration} s.`}\n`,
  );
  let previous = '';
  const progress = setInterval(() => {
    const line = fleet.stats().map((s) => `${s.unitId} ${s.status}`).join('  ');
    if (line !== previous) io.stdout(`${line}\n`);
    previous = line;
  }, 1000);
  await new Promise<void>((resolve) => {
    const timer = o.duration === undefined ? undefined : setTimeout(done, o.duration * 1000);
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    signal?.addEventListener('abort', done, { once: true });
    if (signal?.aborted) done();
    function done() {
      clearTimeout(timer);
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    }
  });
  clearInterval(progress);
  await fleet.stop();
  const arrivals = fleet.stats().reduce((n, s) => n + s.arrivals, 0);
  io.stdout(`${CLI_NAME} ambulances: stopped; ${arrivals} arrival${arrivals === 1 ? '' : 's'} on scene\n`);
  return 0;
}

function readCredentials(file: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new SimulatorError('SIM_E_BAD_OPTION', `--credentials ${file} is not a readable JSON file (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Object.values(parsed).every((v) => typeof v === 'string')) {
    throw new SimulatorError('SIM_E_BAD_OPTION', `--credentials ${file} must be a JSON object of unit id -> password`);
  }
  return parsed as Record<string, string>;
}

function number(name: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new InvalidArgumentError(`${name} must be a number.`);
  return value;
}

function whole(name: string) {
  return (text: string) => {
    const value = number(name, text);
    if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError(`${name} must be a whole number >= 1.`);
    return value;
  };
}

function positive(name: string) {
  return (text: string) => {
    const value = number(name, text);
    if (value <= 0) throw new InvalidArgumentError(`${name} must be greater than 0.`);
    return value;
  };
}
