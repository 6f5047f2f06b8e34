import { Command } from 'commander';

const SERVICES = {
  ingest: 'take device readings from the external MQTT broker (MQTT_URL, shared subscription), store them, publish them on Kafka',
  anchor: 'anchor batches of readings from Kafka on the chain (CHAIN_RPC_URL); one holds the anchor lease, others wait as standbys',
  alerts: 'score NEWS2 and rules on the readings from Kafka, raise and deliver alerts, dispatch ambulances',
} as const;

const ENV_HELP = [
  '',
  'Configured by the environment (and .env), like npm start; a service process needs:',
  '  BUS=kafka  KAFKA_BROKERS=host:port[,host:port]  (KAFKA_CLIENT_ID, KAFKA_PARTITIONS, KAFKA_REPLICATION_FACTOR, KAFKA_SESSION_TIMEOUT_MS)',
  '  ingest: MQTT_URL (MQTT_USERNAME, MQTT_PASSWORD, INGEST_INSTANCE_ID unique per instance, MQTT_SHARE_GROUP,',
  '          MQTT_READINGS_CONNECTIONS readings sessions per instance, default 8),',
  '          READINGS_STORE=influxdb with INFLUX_* (or sqlite under DATA_DIR)',
  '  anchor: CHAIN_RPC_URL with CHAIN_PRIVATE_KEY or CHAIN_KEYSTORE_FILE (ANCHOR_CONTRACT_ADDRESS)',
  '  alerts: MQTT_URL for consoles and ambulance dispatch (optional); replicas share one DATA_DIR on one host',
  '  every process: PORT and HTTP_HOST for /api/health and its API, DATA_DIR for its own state',
  '',
  'Exit status: 0 stopped by SIGINT/SIGTERM, 1 could not start (e.g. Kafka unreachable), 2 bad configuration,',
  '3 the anchor lost its lease to another anchor process.',
  '',
  'Example:',
  '  BUS=kafka KAFKA_BROKERS=127.0.0.1:9092 MQTT_URL=mqtt://127.0.0.1:1883 INGEST_INSTANCE_ID=ingest-1 PORT=8081 npx pulseproof ingest',
].join('\n');

type Delegate = { main(argv: readonly string[]): Promise<number> };

/**
 * The distributed mode's processes: `pulseproof ingest|anchor|alerts` run one service each;
 * `pulseproof sim|bridge` run the simulators' and the firmware bridge's CLIs (`pulseproof-sim`,
 * `pulseproof-bridge`) with the arguments given.
 */
export function addProcessCommands(program: Command, setExitCode: (code: number) => void): void {
  for (const [service, description] of Object.entries(SERVICES) as [keyof typeof SERVICES, string][]) {
    program
      .command(service)
      .description(`${description} (distributed mode: one service per process)`)
      .addHelpText('after', ENV_HELP)
      .action(async () => {
        const { runService } = await import('./run-service');
        setExitCode(await runService(service));
      });
  }
  const delegates: [string, string, string, string][] = [
    ['sim', '@pulseproof/simulators/dist/cli', 'pulseproof-sim', 'simulated patients and devices publishing over MQTT'],
    ['bridge', '@pulseproof/firmware-bridge/dist/cli', 'pulseproof-bridge', 'serial devices to MQTT through the firmware bridge'],
  ];
  for (const [name, module, bin, what] of delegates) {
    program
      .command(name)
      .description(`${what}: runs ${bin} with the arguments that follow (pulseproof ${name} --help for its options)`)
      .helpOption(false)
      .allowUnknownOption()
      .allowExcessArguments()
      .argument('[args...]')
      .action(async (args: string[]) => {
        // loaded at run time: the other CLIs are workspaces of their own, built beside this one
        const cli = require(module) as Delegate;
        setExitCode(await cli.main([process.execPath, bin, ...args]));
      });
  }
}
