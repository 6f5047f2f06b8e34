import { DynamicModule, Global, INestApplicationContext, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Bus, SqliteBus, Subscription } from '@pulseproof/bus';
import { AlertEvent, DeadLetter, DeviceStatusEvent, Measurements, Reading, busTopics } from '@pulseproof/contracts';
import { join } from 'node:path';
import { AlertsModule } from '../alerts.module';
import { AlertsService } from '../alerts.service';
import { ManualClock } from '../clock';
import { AlertsOptions } from '../config';
import { ALERTS_CONSUMER_GROUP } from '../consumers/readings.consumer';

/** Test-only (excluded from the build): the alerts module booted by Nest on real SQLite files. */

export const T0 = 1_795_000_000_000;
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;

/** NEWS2 0 / 5 (RR 2, SpO2 1, HR 2: medium) / 7 (RR 3, SpO2 2, HR 2: high), all seven rows present. */
export const NORMAL: Measurements = { respiratory_rate: 16, spo2: 97, supplemental_oxygen: 0, systolic_bp: 120, heart_rate: 70, consciousness: 0, temperature: 37 };
export const MEDIUM: Measurements = { ...NORMAL, respiratory_rate: 22, spo2: 94, heart_rate: 115 };
export const HIGH: Measurements = { ...NORMAL, respiratory_rate: 26, spo2: 93, heart_rate: 115 };

export function reading(patientId: string, deviceId: string, seq: number, deviceTime: number, measurements: Measurements): Reading {
  return { deviceId, seq, patientId, deviceTime, receivedAt: deviceTime + 50, measurements, salt: `0x${'ab'.repeat(32)}` };
}

@Global()
@Module({})
class TestBusModule {
  static with(bus: Bus): DynamicModule {
    return { module: TestBusModule, providers: [{ provide: Bus, useValue: bus }], exports: [Bus] };
  }
}

/** One process's worth of the alerts service on files in `dir`. */
export class AlertsHarness {
  readonly events: AlertEvent[] = [];
  private listener!: Subscription;

  private constructor(
    readonly dir: string,
    readonly bus: SqliteBus,
    readonly app: INestApplicationContext,
    readonly clock: ManualClock,
  ) {}

  static async start(dir: string, options: Partial<AlertsOptions> = {}, clock = new ManualClock(T0)): Promise<AlertsHarness> {
    Logger.overrideLogger(false);
    const bus = new SqliteBus({ file: join(dir, 'bus.sqlite'), retryDelayMs: 20 });
    const app = await NestFactory.createApplicationContext(
      { module: class AlertsSpecRoot {}, imports: [TestBusModule.with(bus), AlertsModule.forRoot({ dataDir: dir, clock, ...options })] },
      { logger: false },
    );
    await app.init();
    const harness = new AlertsHarness(dir, bus, app, clock);
    harness.listener = bus.subscribe<AlertEvent>(busTopics.alerts, 'spec', async (batch) => {
      for (const m of batch) harness.events.push(m.value);
    });
    return harness;
  }

  get service(): AlertsService {
    return this.app.get(AlertsService);
  }

  get<T>(token: abstract new (...args: never[]) => T): T {
    return this.app.get(token as never) as T;
  }

  async publish(...readings: Reading[]): Promise<void> {
    for (const r of readings) await this.bus.publish(busTopics.readings, r.patientId, r);
    await this.settled();
  }

  async publishStatus(...events: DeviceStatusEvent[]): Promise<void> {
    for (const e of events) await this.bus.publish(busTopics.deviceStatus, e.deviceId, e);
    await this.settled();
  }

  async publishDeadLetter(...letters: DeadLetter[]): Promise<void> {
    for (const l of letters) await this.bus.publish(busTopics.deadLetters, l.deviceId ?? l.topic, l);
    await this.settled();
  }

  /** Waits until the alerts group and the spec's listener have handled everything published. */
  async settled(): Promise<void> {
    const topics = [busTopics.readings, busTopics.deviceStatus, busTopics.deadLetters];
    for (let i = 0; i < 1000; i++) {
      if (topics.every((t) => this.bus.lag(t, ALERTS_CONSUMER_GROUP) === 0) && this.bus.lag(busTopics.alerts, 'spec') === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('bus did not drain');
  }

  /** Moves the wall clock (escalation timers fire), then waits for the events. */
  async advance(ms: number): Promise<void> {
    this.clock.advance(ms);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await this.settled();
  }

  changes(): [string, string, string][] {
    return this.events.map((e) => [e.type, e.change!, e.status!]);
  }

  async stop(): Promise<void> {
    await this.listener.stop();
    await this.app.close();
    await this.bus.close();
  }
}
