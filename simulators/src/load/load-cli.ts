import { Command, CommanderError, Option } from 'commander';
import { CLI_NAME, CliOutput, EXIT_BAD_OPTION, PASSWORD_ENV } from '../cli-options';
import { SimulatorError, redactUrl } from '../errors';
import { readTlsFiles } from '../tls-files';
import { LoadReport, LoadStats, runLoad } from './load-generator';
import { measureGeneratorCapacity, startNullBroker } from './null-broker';

/**
 * `pulseproof-sim load`: thousands of devices at a fixed total rate, a progress line a second and a
 * summary with the generator's own capacity, so a benchmark can tell when the generator, not the
 * broker, is the bottleneck. Exit codes as the main command (0, 1 broker, 2 bad option).
 */
export async function mainLoad(argv: readonly string[], io: CliOutput, signal?: AbortSignal): Promise<number> {
  const program = new Command(`${CLI_NAME} load`)
    .description('Load mode: many devices publishing a fixed total rate of readings.')
    .option('--url <url>', 'MQTT broker', 'mqtt://127.0.0.1:1883')
    .option('--devices <count>', 'MQTT connections (one per device)', Number, 1000)
    .option('--rate <perSecond>', 'readings per second over all devices', Number, 1000)
    .option('--duration <seconds>', 'seconds of publishing', Number, 30)
    .addOption(new Option('--qos <qos>', 'QoS of each reading').choices(['0', '1']).default('1'))
    .option('--wave <count>', 'connections opened together', Number, 250)
    .option('--id-prefix <prefix>', 'device ids are <prefix>-00001...', 'load')
    .option('--seed <seed>', 'seed of the simulated patients', '42')
    .option('--null-sink', 'publish to an in-process broker that acknowledges at once instead of --url (can the generator sustain --rate?)')
    .option('--capacity-seconds <seconds>', 'after the run, measure the generator against a null broker for this long (0: skip)', Number, 3)
    .option('--username <name>', 'MQTT user name')
    .addOption(new Option('--password <secret>', 'MQTT password').env(PASSWORD_ENV))
    .option('--ca <file>', 'CA certificate (PEM) for mqtts://')
    .option('--cert <file>', 'client certificate (PEM)')
    .option('--key <file>', 'client key (PEM)')
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
    url: string; devices: number; rate: number; duration: number; qos: string; wave: number; idPrefix: string; seed: string;
    nullSink?: boolean; capacitySeconds: number; username?: string; password?: string; ca?: string; cert?: string; key?: string;
  }>();
  const bad = (message: string) => {
    io.stderr(`${CLI_NAME} load: ${message} (see --help)\n`);
    return EXIT_BAD_OPTION;
  };
  if (!Number.isInteger(o.devices) || o.devices < 1) return bad('--devices must be a whole number >= 1');
  if (!(o.rate > 0)) return bad('--rate must be a number > 0');
  if (!(o.duration > 0)) return bad('--duration must be a number of seconds > 0');
  if (!Number.isInteger(o.wave) || o.wave < 1) return bad('--wave must be a whole number >= 1');
  if (!(o.capacitySeconds >= 0)) return bad('--capacity-seconds must be >= 0');
  const qos = Number(o.qos) as 0 | 1;

  const nullBroker = o.nullSink ? await startNullBroker() : undefined;
  const url = nullBroker?.url ?? o.url;
  let report: LoadReport;
  try {
    io.stdout(`${CLI_NAME} load: connecting ${o.devices} devices to ${nullBroker ? 'an in-process null broker' : redactUrl(url)} in waves of ${o.wave}...\n`);
    report = await runLoad({
      brokerUrl: url,
      devices: o.devices,
      rate: o.rate,
      durationMs: o.duration * 1000,
      qos,
      wave: o.wave,
      idPrefix: o.idPrefix,
      seed: o.seed,
      username: o.username,
      password: o.password,
      tls: readTlsFiles(o),
      onProgress: (stats) => io.stdout(`${loadProgressLine(stats)}\n`),
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (!(error instanceof SimulatorError)) throw error;
    io.stderr(`${CLI_NAME} load: ${error.message}\n`);
    return error.code === 'SIM_E_BAD_OPTION' ? EXIT_BAD_OPTION : 1;
  } finally {
    await nullBroker?.close();
  }
  io.stdout(`${loadSummary(report)}\n`);
  if (o.capacitySeconds > 0) {
    const capacity = await measureGeneratorCapacity({ devices: Math.min(o.devices, 100), durationMs: o.capacitySeconds * 1000, qos });
    io.stdout(`${capacityLine(report.rate, capacity.rate)}\n`);
  }
  return 0;
}

export function loadProgressLine(s: LoadStats): string {
  return (
    `[${(s.elapsedMs / 1000).toFixed(1).padStart(6)}s] connected ${s.connected}/${s.devices}  sent ${s.sent}  acked ${s.acked}  ` +
    `errors ${s.errors + s.connectErrors}  in flight ${s.inFlight}  ${s.rate.toFixed(1)} acked/s`
  );
}

export function loadSummary(r: LoadReport): string {
  return (
    `${CLI_NAME} load: ${r.devices} devices (${r.devices - r.connectErrors} connected in ${(r.connectMs / 1000).toFixed(1)} s, ` +
    `${r.connectErrors} failed) for ${(r.elapsedMs / 1000).toFixed(1)} s: sent ${r.sent}, acked ${r.acked}, errors ${r.errors}, ` +
    `unacknowledged ${r.inFlight}; ${r.rate.toFixed(1)} acked/s of ${r.targetRate} targeted`
  );
}

/** Both figures, and which side limited the run. */
export function capacityLine(achieved: number, capacity: number): string {
  const verdict = achieved >= 0.9 * capacity
    ? 'the generator is the bottleneck: use more generator processes or machines'
    : 'the generator had headroom: the rate reflects the broker and system under test';
  return `${CLI_NAME} load: achieved ${achieved.toFixed(1)} acked/s; generator capacity (null broker) ${capacity.toFixed(1)} acked/s; ${verdict}`;
}
