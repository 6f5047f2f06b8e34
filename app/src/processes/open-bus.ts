import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { Bus, KafkaBus, SqliteBus } from '@pulseproof/bus';
import { busTopics, HealthReporter } from '@pulseproof/contracts';
import { BusChoice } from '../bus-config';

export interface OpenedBus {
  readonly bus: Bus;
  /** what /api/health shows under `bus` (each service reports its own group's lag) */
  readonly reporter: HealthReporter;
}

/** Every topic on the bus: created at start on Kafka, so no consumer waits for a producer to create it. */
export const ALL_BUS_TOPICS: readonly string[] = Object.values(busTopics);

/**
 * The bus BUS chooses: the SQLite log under dataDir, or Kafka. Rejects when Kafka cannot be reached
 * (the start stops there, before any service takes a message it could not pass on).
 */
export async function openBus(choice: BusChoice, dataDir: string, lags: (bus: Bus) => Record<string, number> = () => ({})): Promise<OpenedBus> {
  if (choice.kind === 'embedded') {
    const bus = new SqliteBus({ file: join(dataDir, 'bus.sqlite') });
    return { bus, reporter: { component: 'bus', health: () => ({ status: 'up', detail: { kind: 'embedded SQLite log', ...lagsOf(bus, lags) } }) } };
  }
  const connecting = KafkaBus.connect({
    brokers: choice.brokers,
    clientId: choice.clientId,
    topics: ALL_BUS_TOPICS,
    partitions: choice.partitions,
    replicationFactor: choice.replicationFactor,
    sessionTimeoutMs: choice.sessionTimeoutMs,
    // the batch is handed over again after a back-off: one line per failure says why it waits
    onHandlerError: (topic, group, error) =>
      new Logger('KafkaBus').warn(`group ${group} on ${topic}: ${error instanceof Error ? error.message : String(error)}; retrying the same messages`),
    // counted in /api/health (skippedMessages); a foreign producer is writing to a PulseProof topic
    onSkipped: (_topic, group, reason) => new Logger('KafkaBus').warn(`group ${group}: ${reason}`),
  });
  const bus = await connecting.catch((error: unknown) => {
    throw new Error(`Kafka at ${choice.brokers.join(',')} did not answer (${error instanceof Error ? error.message : String(error)}): check KAFKA_BROKERS and that Kafka is up`);
  });
  return {
    bus,
    reporter: { component: 'bus', health: () => ({ status: 'up', detail: { kind: 'kafka', brokers: choice.brokers.join(','), clientId: choice.clientId, skippedMessages: bus.skippedMessages, ...lagsOf(bus, lags) } }) },
  };
}

function lagsOf(bus: Bus, lags: (bus: Bus) => Record<string, number>): Record<string, number> {
  return lags(bus);
}
