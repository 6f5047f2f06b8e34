import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { AlertEvent, DispatchCancel, LatLon, MqttMessaging, UnitStatusMessage, mqttTopics, rankByEta } from '@pulseproof/contracts';
import { ResolvedDispatchOptions } from './dispatch-config';
import { dispatchClosed, notFound } from './dispatch-errors';
import { CLOSED_STATUSES, DispatchRecord, DispatchStatus, HOLDING_STATUSES, PROGRESS, PatientLocationRecord, UnitRecord, resolvePosition } from './dispatch-model';
import { dispatchCancel, dispatchOrder, targetStatus } from './dispatch-order';
import { DispatchStore } from './dispatch.store';

/** The trigger's view of an alert: what the crew is told (score and summary), nothing that names the patient. */
interface TriggerAlert {
  readonly alertId: string;
  readonly state: string;
  readonly score: number | null;
  readonly summary: string;
}

/**
 * The dispatch lifecycle. Every state change runs one at a time (`serial`), is committed to SQLite
 * before any MQTT message leaves, and survives a restart: `resume` re-publishes orders still waiting
 * for an acknowledgement and re-arms their timers from the stored deadline.
 */
export class Dispatcher {
  private readonly logger = new Logger('Dispatcher');
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly store: DispatchStore,
    private readonly mqtt: MqttMessaging,
    private readonly options: ResolvedDispatchOptions,
  ) {}

  /** Re-arms what a restart interrupted: orders awaiting acknowledgement, dispatches waiting for a unit. */
  resume(): Promise<void> {
    return this.serial(async () => {
      const now = this.options.clock();
      for (const d of this.store.withStatus('awaiting_ack')) {
        if (d.ackDeadline !== null && d.ackDeadline > now && d.orderJson && d.unitId) {
          // the order may not have left before the restart; a unit takes the same dispatchId once
          await this.publish(mqttTopics.unitDispatch(d.unitId), d.orderJson, d.dispatchId);
          this.arm(d.dispatchId, d.unitId, d.ackDeadline);
        } else if (d.unitId) {
          await this.ackTimedOut(d.dispatchId, d.unitId);
        }
      }
      await this.offerQueued();
    });
  }

  close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    return this.queue.then(() => undefined);
  }

  /** An alert event from the bus; redelivery is harmless (one dispatch per triggering alert). */
  handleAlert(event: AlertEvent): Promise<void> {
    if (event.type !== this.options.trigger.alertType) return Promise.resolve();
    return this.serial(async () => {
      const alert: TriggerAlert = { alertId: event.alertId, state: event.state, score: event.score ?? null, summary: event.summary };
      this.store.saveTriggerAlert({ patientId: event.patientId, ...alert, updatedAt: event.updatedAt });
      if (this.qualifies(alert)) await this.dispatchFor(event.patientId, alert);
    });
  }

  /** Staff marked the patient as outside hospital (or back in); an active qualifying alert dispatches at once. */
  setLocation(patientId: string, outsideHospital: boolean, home: LatLon | null): Promise<PatientLocationRecord> {
    return this.serial(async () => {
      this.store.setLocation(patientId, outsideHospital, home, this.options.clock());
      const alert = this.store.triggerAlert(patientId);
      if (outsideHospital && alert && this.qualifies(alert)) await this.dispatchFor(patientId, alert);
      return this.store.location(patientId)!;
    });
  }

  /** A unit's report (validated, topic and body agree). Older reports than the one kept are ignored. */
  handleUnitStatus(message: UnitStatusMessage): Promise<void> {
    return this.serial(async () => {
      const unit: UnitRecord = {
        unitId: message.unitId,
        status: message.status,
        lat: message.lat,
        lon: message.lon,
        dispatchId: message.dispatchId ?? null,
        reportedAt: message.ts,
        receivedAt: this.options.clock(),
      };
      if (!this.store.saveUnit(unit)) return;
      const d = message.dispatchId ? this.store.dispatch(message.dispatchId) : this.store.holdingDispatch(message.unitId);
      if (d) await this.applyProgress(d, message);
      if (message.status === 'available') await this.offerQueued();
    });
  }

  cancel(dispatchId: string): Promise<DispatchRecord> {
    return this.serial(async () => {
      const d = this.store.dispatch(dispatchId);
      if (!d) throw notFound(`no dispatch ${dispatchId}`);
      if (CLOSED_STATUSES.includes(d.status)) throw dispatchClosed(`dispatch ${dispatchId} is already ${d.status}`);
      const now = this.options.clock();
      const cancelled: DispatchRecord = { ...d, status: 'cancelled', ackDeadline: null, updatedAt: now, closedAt: now };
      this.store.transaction(() => {
        this.store.settlePendingAttempt(dispatchId, 'cancelled', now);
        this.store.updateDispatch(cancelled);
        this.store.addHistory(dispatchId, 'cancelled', d.unitId, now, 'cancelled by staff');
      });
      this.disarm(dispatchId);
      this.logger.log(`dispatch ${dispatchId} cancelled${d.unitId ? ` (unit ${d.unitId} told)` : ''}`);
      if (d.unitId && HOLDING_STATUSES.includes(d.status)) await this.sendCancel(d.unitId, dispatchId, 'cancelled');
      return cancelled;
    });
  }

  private qualifies(alert: TriggerAlert): boolean {
    return alert.state === 'active' && alert.score !== null && alert.score >= this.options.trigger.minScore;
  }

  private async dispatchFor(patientId: string, alert: TriggerAlert): Promise<void> {
    if (this.store.dispatchForAlert(alert.alertId) || this.store.openDispatchFor(patientId)) return;
    const location = this.store.location(patientId);
    if (!location?.outsideHospital) return;
    const position = resolvePosition(location);
    if (!position) {
      this.logger.warn('a dispatch trigger fired for a patient outside hospital with no known location (no home address, no GPS fix)');
      return;
    }
    const now = this.options.clock();
    const dispatchId = randomUUID();
    this.store.transaction(() => {
      this.store.insertDispatch({
        dispatchId,
        patientId,
        alertId: alert.alertId,
        status: 'queued',
        unitId: null,
        lat: position.lat,
        lon: position.lon,
        locationSource: position.source,
        // only a news2 trigger's score is a NEWS2 (a rule's score is its measured value)
        news2Score: this.options.trigger.alertType === 'news2' ? alert.score : null,
        news2Summary: alert.summary,
        etaSeconds: null,
        distanceM: null,
        route: null,
        orderJson: null,
        ackDeadline: null,
        createdAt: now,
        updatedAt: now,
        closedAt: null,
      });
      this.store.addHistory(dispatchId, 'queued', null, now, `triggered by a ${this.options.trigger.alertType} alert (score ${alert.score}); location from ${position.source}`);
    });
    this.logger.log(`dispatch ${dispatchId} created (score ${alert.score}, location from ${position.source})`);
    await this.offer(dispatchId);
  }

  /** Offers the dispatch to the free unit with the least ETA, or queues it when none can take it. */
  private async offer(dispatchId: string): Promise<void> {
    const d = this.store.dispatch(dispatchId);
    if (!d || (d.status !== 'queued' && d.status !== 'awaiting_ack') || this.closed) return;
    const now = this.options.clock();
    const ranked = rankByEta(this.options.graph, { lat: d.lat, lon: d.lon }, this.candidates(d, now));
    const best = ranked[0];
    if (!best) {
      if (d.status !== 'queued') {
        this.store.transaction(() => {
          this.store.updateDispatch({ ...d, status: 'queued', unitId: null, ackDeadline: null, orderJson: null, updatedAt: now });
          this.store.addHistory(dispatchId, 'queued', null, now, 'no unit available: offered to the first that reports available');
        });
      }
      this.logger.warn(`dispatch ${dispatchId} waits for a unit: none available`);
      return;
    }
    const unitId = best.candidate.id;
    const { route } = best;
    const order = dispatchOrder(d, unitId, route, now, this.options.ackTimeoutMs);
    const orderJson = JSON.stringify(order);
    const deadline = now + this.options.ackTimeoutMs;
    this.store.transaction(() => {
      this.store.addAttempt(dispatchId, unitId, now, route.etaSeconds);
      this.store.updateDispatch({
        ...d,
        status: 'awaiting_ack',
        unitId,
        etaSeconds: route.etaSeconds,
        distanceM: route.metres,
        route: JSON.stringify(order.route),
        orderJson,
        ackDeadline: deadline,
        updatedAt: now,
      });
      this.store.addHistory(dispatchId, 'awaiting_ack', unitId, now, `offered to unit ${unitId}, ETA ${order.etaSeconds} s`);
    });
    this.logger.log(`dispatch ${dispatchId} offered to unit ${unitId} (ETA ${order.etaSeconds} s, ${ranked.length} candidates)`);
    await this.publish(mqttTopics.unitDispatch(unitId), orderJson, dispatchId);
    this.arm(dispatchId, unitId, deadline);
  }

  /** Units that may take the dispatch now: available, fresh, not held, and not silent on an earlier offer of it. */
  private candidates(d: DispatchRecord, now: number): { id: string; position: LatLon }[] {
    const held = this.store.heldUnits();
    const attempts = this.store.attempts(d.dispatchId);
    return this.store
      .units()
      .filter((u) => u.status === 'available' && now - u.receivedAt <= this.options.unitStaleMs && !held.has(u.unitId))
      // a unit that let an offer of this dispatch time out is asked again only once it has reported since
      .filter((u) => !attempts.some((a) => a.unitId === u.unitId && a.outcome === 'timeout' && u.receivedAt <= (a.outcomeAt ?? 0)))
      .map((u) => ({ id: u.unitId, position: { lat: u.lat, lon: u.lon } }));
  }

  private async ackTimedOut(dispatchId: string, unitId: string): Promise<void> {
    this.timers.delete(dispatchId);
    const d = this.store.dispatch(dispatchId);
    if (!d || d.status !== 'awaiting_ack' || d.unitId !== unitId || this.closed) return;
    const now = this.options.clock();
    this.store.transaction(() => {
      this.store.settlePendingAttempt(dispatchId, 'timeout', now);
      this.store.addHistory(dispatchId, 'awaiting_ack', unitId, now, `unit ${unitId} did not acknowledge within ${this.options.ackTimeoutMs} ms`);
    });
    this.logger.warn(`dispatch ${dispatchId}: unit ${unitId} did not acknowledge, asking the next unit`);
    await this.offer(dispatchId);
  }

  private async applyProgress(d: DispatchRecord, message: UnitStatusMessage): Promise<void> {
    const reportsOn = message.dispatchId === d.dispatchId && ['dispatched', 'en_route', 'on_scene'].includes(message.status);
    if (d.unitId !== message.unitId || d.status === 'queued' || d.status === 'cancelled') {
      // a late acknowledgement after the order went to another unit, or a crew that missed a cancellation
      if (reportsOn) await this.sendCancel(message.unitId, d.dispatchId, d.status === 'cancelled' ? 'cancelled' : 'reassigned');
      return;
    }
    const target = targetStatus(d.status, message.status);
    if (!target || PROGRESS[target] <= PROGRESS[d.status] || CLOSED_STATUSES.includes(d.status)) return;
    const now = this.options.clock();
    const acknowledged = d.status === 'awaiting_ack';
    this.store.transaction(() => {
      if (acknowledged) this.store.settlePendingAttempt(d.dispatchId, 'acknowledged', now);
      this.store.updateDispatch({ ...d, status: target, ackDeadline: null, updatedAt: now, closedAt: target === 'completed' ? now : null });
      this.store.addHistory(d.dispatchId, target, message.unitId, now, `unit ${message.unitId} reported ${message.status}`);
    });
    if (acknowledged) this.disarm(d.dispatchId);
    this.logger.log(`dispatch ${d.dispatchId}: ${target} (unit ${message.unitId})`);
  }

  private async offerQueued(): Promise<void> {
    for (const d of this.store.withStatus('queued')) await this.offer(d.dispatchId);
  }

  private async sendCancel(unitId: string, dispatchId: string, reason: DispatchCancel['reason']): Promise<void> {
    const cancel = dispatchCancel(unitId, dispatchId, reason, this.options.clock());
    await this.publish(mqttTopics.unitDispatch(unitId), JSON.stringify(cancel), dispatchId);
  }

  /** QoS 1 [MQTT-4.3.2]: a unit with a persistent session gets the order after a reconnect. */
  private async publish(topic: string, payload: string, dispatchId: string): Promise<void> {
    try {
      await this.mqtt.publish(topic, payload, { qos: 1 });
    } catch (error) {
      // the acknowledgement timer still runs: an order that did not leave counts as not acknowledged
      this.logger.error(`dispatch ${dispatchId}: could not publish to the unit: ${String(error)}`);
    }
  }

  private arm(dispatchId: string, unitId: string, deadline: number): void {
    this.disarm(dispatchId);
    if (this.closed) return;
    const timer = setTimeout(() => {
      void this.serial(() => this.ackTimedOut(dispatchId, unitId)).catch((error: unknown) =>
        this.logger.error(`dispatch ${dispatchId}: acknowledgement timeout failed: ${String(error)}`),
      );
    }, Math.max(0, deadline - this.options.clock()));
    timer.unref();
    this.timers.set(dispatchId, timer);
  }

  private disarm(dispatchId: string): void {
    clearTimeout(this.timers.get(dispatchId));
    this.timers.delete(dispatchId);
  }

  /** Runs state changes one after another, in arrival order; a failure rejects only its caller. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
