import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Bus } from '@pulseproof/bus';
import {
  ComponentHealth,
  DeadLetter,
  HealthReporter,
  Reading,
  busTopics,
  deviceIdFromReadingsTopic,
  normaliseMeasurements,
} from '@pulseproof/contracts';
import { DeviceRegistry } from './adapters/device-registry';
import { ReadingStore } from './adapters/reading-store';
import { InboundMessage, InboundOutcome } from './adapters/reading-source';
import { INGEST_OPTIONS, IngestOptions } from './config';
import { DeadLetterStore } from './dead-letters/dead-letter-store';
import { decodeDeviceMessage } from './decode';
import { IngestRejectionCode, Rejection } from './errors';
import { SequenceGapStore } from './sequence-gaps/sequence-gap-store';
import { DEFAULT_LATE_AFTER_MS, isLate } from './validation/timestamps';

/** Bytes of a refused payload kept with its dead letter, for diagnosis. */
const DEAD_LETTER_HEAD_BYTES = 512;

/**
 * One device message in, one outcome out: validate, map to the patient, store idempotently on
 * (device, seq), then publish on the bus. Resolves only when the outcome is durable, so the
 * caller may acknowledge the device.
 */
@Injectable()
export class IngestService implements HealthReporter {
  readonly component = 'ingest';
  private readonly logger = new Logger('Ingest');
  private readonly counts = { accepted: 0, duplicates: 0, refused: 0, late: 0 };
  private readonly refusedByReason = new Map<IngestRejectionCode, number>();
  private lastAcceptedAt: number | undefined;

  constructor(
    @Inject(INGEST_OPTIONS) private readonly options: IngestOptions,
    private readonly store: ReadingStore,
    private readonly registry: DeviceRegistry,
    private readonly bus: Bus,
    // Provided by IngestModule; optional so a bare service (unit tests) still runs.
    @Optional() private readonly deadLetters?: DeadLetterStore,
    @Optional() private readonly gaps?: SequenceGapStore,
  ) {}

  async handle(message: InboundMessage, now = Date.now()): Promise<InboundOutcome> {
    if (message.refusal) return this.refuse(message, new Rejection(message.refusal.code, message.refusal.detail), now);
    const decoded = decodeDeviceMessage(message.topic, message.payload, now, this.options);
    if (decoded instanceof Rejection) return this.refuse(message, decoded, now);
    const unauthorised = this.checkPublisher(message, decoded.deviceId);
    if (unauthorised) return this.refuse(message, unauthorised, now);

    const patientId = this.registry.patientFor(decoded.deviceId, decoded.ts);
    if (patientId === undefined) {
      return this.refuse(message, new Rejection('INGEST_E_UNKNOWN_DEVICE', `register device "${decoded.deviceId}" before it publishes`), now);
    }
    const candidate: Reading = {
      deviceId: decoded.deviceId,
      seq: decoded.seq,
      patientId,
      deviceTime: decoded.ts,
      receivedAt: now,
      measurements: normaliseMeasurements(decoded),
      salt: `0x${randomBytes(32).toString('hex')}`,
      ...(isLate(decoded.ts, now, this.options.lateAfterMs ?? DEFAULT_LATE_AFTER_MS) && { late: true }),
    };
    const outcome = await this.store.insert(candidate);
    if (outcome.kind === 'conflict') {
      return this.refuse(message, new Rejection('INGEST_E_SEQUENCE_REPLAYED', `seq ${decoded.seq} of "${decoded.deviceId}" was stored with other content`), now);
    }
    // Both before the acknowledgement, and for a redelivery too; independent of each other, so
    // they share one wait. A seq jump opens a gap (idempotent). A redelivery is published again:
    // the first publish may not have happened before a crash, and every consumer is idempotent
    // on (device, seq).
    await Promise.all([
      this.gaps?.observe(decoded.deviceId, decoded.seq, now),
      this.bus.publish(busTopics.readings, outcome.reading.patientId, outcome.reading),
    ]);
    if (outcome.kind === 'duplicate') this.counts.duplicates += 1;
    else this.counts.accepted += 1;
    if (outcome.kind === 'inserted' && candidate.late) this.counts.late += 1;
    this.lastAcceptedAt = now;
    return 'accepted';
  }

  health(): ComponentHealth {
    const store = this.store.stats();
    return {
      // the last batch failed: devices are not acknowledged and resend, but nothing is stored meanwhile
      status: store.lastError === undefined ? 'up' : 'degraded',
      detail: {
        ...this.counts,
        store,
        refusedByReason: Object.fromEntries(this.refusedByReason),
        ...(this.deadLetters && { deadLettersByReason: this.deadLetters.counts() }),
        ...(this.gaps && { sequenceGaps: this.gaps.totals() }),
        lastAcceptedAt: this.lastAcceptedAt && new Date(this.lastAcceptedAt).toISOString(),
      },
    };
  }

  /**
   * The sender may publish for the payload's device (itself, or a device attached to its gateway,
   * both active). The broker checked the topic; decode checked payload device = topic device; this
   * checks again at the moment of storing, so a device revoked meanwhile is refused too.
   */
  private checkPublisher(message: InboundMessage, deviceId: string): Rejection | undefined {
    const principal = message.principal;
    if (!principal || this.registry.mayPublishFor(principal, deviceId)) return undefined;
    return new Rejection('INGEST_E_NOT_AUTHORISED', `${principal.kind} "${principal.id}" may not publish for device "${deviceId}"`);
  }

  private readonly lastLoggedAt = new Map<IngestRejectionCode, number>();

  /**
   * The code and the device only (the detail may quote what the device sent), and at most one line
   * per reason every 10 s: a device flooding garbage must not flood the log too.
   */
  private logRefusal(code: IngestRejectionCode, deviceId: string | undefined, now: number): void {
    const last = this.lastLoggedAt.get(code);
    if (last !== undefined && now - last < 10_000) return;
    this.lastLoggedAt.set(code, now);
    this.logger.warn(`refused a message from ${deviceId ?? 'an unknown device'}: ${code} (${this.refusedByReason.get(code)} so far; dead letters on ${busTopics.deadLetters})`);
  }

  private async refuse(message: InboundMessage, rejection: Rejection, now: number): Promise<InboundOutcome> {
    const deviceId = deviceIdFromReadingsTopic(message.topic);
    const letter: DeadLetter = {
      reason: rejection.code,
      detail: rejection.detail,
      topic: message.topic,
      ...(deviceId !== undefined && { deviceId }),
      receivedAt: now,
      payloadBytes: message.payload.byteLength,
      payloadHead: message.payload.subarray(0, DEAD_LETTER_HEAD_BYTES).toString('base64'),
    };
    // Durable before the device is acknowledged; the bus copy is for consumers (alerts).
    await this.deadLetters?.append(letter);
    await this.bus.publish(busTopics.deadLetters, deviceId ?? message.topic, letter);
    this.counts.refused += 1;
    this.refusedByReason.set(rejection.code, (this.refusedByReason.get(rejection.code) ?? 0) + 1);
    this.logRefusal(rejection.code, deviceId, now);
    return 'refused';
  }
}
