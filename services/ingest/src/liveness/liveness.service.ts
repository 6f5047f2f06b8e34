import { join } from 'node:path';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Bus, Subscription } from '@pulseproof/bus';
import { ComponentHealth, DeviceStatusEvent, HealthReporter, Reading, busTopics } from '@pulseproof/contracts';
import { DeviceRegistry } from '../registry/device-registry';
import { LivenessStore } from './liveness-store';
import { DEFAULT_LIVENESS_OPTIONS, LivenessChange, LivenessOptions, LivenessTracker, LivenessView } from './liveness-tracker';
import { PresenceEvent, PresenceFeed } from './presence';

export interface LivenessModuleOptions extends Partial<LivenessOptions> {
  /** folder of liveness.sqlite */
  readonly dataDir: string;
  /** connection state sources (embedded broker connections, status topics) */
  readonly presence?: readonly PresenceFeed[];
  /** time source, for tests; default Date.now */
  readonly clock?: () => number;
}

export const LIVENESS_OPTIONS = Symbol('LIVENESS_OPTIONS');

/** The bus consumer group liveness reads accepted readings with. */
export const LIVENESS_GROUP = 'liveness';

/** How often last-seen times go to disk; a crash loses at most this much of them, ms. */
const FLUSH_INTERVAL_MS = 1_000;

/**
 * Device liveness: last seen (from accepted readings on the bus), connection state (from the
 * broker) and silence (no reading for longer than the device's interval × tolerance). Each change
 * is published once on `vitals.devicestatus` for alerts; the reported state is kept in
 * liveness.sqlite so a restart does not publish it again.
 */
@Injectable()
export class LivenessService implements HealthReporter, OnApplicationBootstrap, OnApplicationShutdown {
  readonly component = 'liveness';
  private readonly logger = new Logger('Liveness');
  private readonly options: LivenessOptions;
  private readonly clock: () => number;
  private readonly store: LivenessStore;
  private readonly tracker: LivenessTracker;
  private subscription: Subscription | undefined;
  private readonly stopFeeds: (() => Promise<void>)[] = [];
  private timers: NodeJS.Timeout[] = [];
  private published = 0;
  /** publications not settled yet (awaited by the bus handler, check() and shutdown) */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    @Inject(LIVENESS_OPTIONS) private readonly moduleOptions: LivenessModuleOptions,
    private readonly registry: DeviceRegistry,
    private readonly bus: Bus,
  ) {
    this.options = {
      toleranceFactor: moduleOptions.toleranceFactor ?? DEFAULT_LIVENESS_OPTIONS.toleranceFactor,
      checkIntervalMs: moduleOptions.checkIntervalMs ?? DEFAULT_LIVENESS_OPTIONS.checkIntervalMs,
    };
    if (!(this.options.toleranceFactor >= 1)) throw new Error('liveness toleranceFactor must be at least 1');
    this.clock = moduleOptions.clock ?? Date.now;
    this.store = new LivenessStore(join(moduleOptions.dataDir, 'liveness.sqlite'));
    this.tracker = new LivenessTracker(registry, this.options, this.clock(), this.store.load());
  }

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = this.bus.subscribe<Reading>(busTopics.readings, LIVENESS_GROUP, async (messages) => {
      for (const { value } of messages) this.apply(this.tracker.seen(value.deviceId, value.receivedAt));
      await this.settled();
    });
    for (const feed of this.moduleOptions.presence ?? []) this.stopFeeds.push(await feed.start((event) => this.presence(event)));
    this.timers = [
      setInterval(() => this.check(), this.options.checkIntervalMs),
      setInterval(() => this.flush(), FLUSH_INTERVAL_MS),
    ];
    for (const timer of this.timers) timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    for (const stop of this.stopFeeds.splice(0)) await stop().catch(() => undefined);
    await this.subscription?.stop();
    await this.settled();
    this.flush();
    this.store.close();
  }

  /** Checks every device for silence now (the timer does it every checkIntervalMs). */
  async check(): Promise<void> {
    for (const change of this.tracker.sweep(this.clock())) this.apply(change);
    await this.settled();
  }

  view(state?: LivenessView['state']): LivenessView[] {
    const all = this.tracker.view();
    return state === undefined ? all : all.filter((d) => d.state === state);
  }

  health(): ComponentHealth {
    const counts: Record<string, number> = { online: 0, offline: 0, silent: 0, unknown: 0 };
    for (const d of this.tracker.view()) counts[d.state] = (counts[d.state] ?? 0) + 1;
    return { status: 'up', detail: { ...counts, published: this.published } };
  }

  private presence(event: PresenceEvent): void {
    this.apply(this.tracker.connection(event.deviceId, event.state, this.clock()));
  }

  /** Publishes a change; on failure the tracker forgets it, so the next sweep or event retries. */
  private apply(change: LivenessChange | undefined): void {
    if (!change) return;
    const device = this.registry.device(change.deviceId);
    const lastSeenAt = this.tracker.lastSeenAt(change.deviceId);
    const patientId = this.registry.patientFor(change.deviceId, change.at);
    const event: DeviceStatusEvent = {
      deviceId: change.deviceId,
      ...(patientId !== undefined && { patientId }),
      state: change.state,
      ...(lastSeenAt !== undefined && { lastSeenAt }),
      intervalMs: device?.intervalMs ?? 0,
      at: change.at,
    };
    const publication = this.bus.publish(busTopics.deviceStatus, change.deviceId, event).then(
      () => {
        this.published += 1;
        if (change.state !== 'online') this.logger.log(`device ${change.deviceId} is ${change.state}`);
      },
      (error: unknown) => {
        this.tracker.undo(change);
        this.logger.warn(`could not publish the ${change.state} state of ${change.deviceId}: ${String(error)}`);
      },
    );
    this.inFlight.add(publication);
    void publication.finally(() => this.inFlight.delete(publication));
  }

  private async settled(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  private flush(): void {
    const dirty = this.tracker.takeDirty();
    if (dirty.length > 0) this.store.save(dirty);
  }
}
