import type { IngestRejectionCode } from '../errors';
import type { Principal } from '../registry/device-registry';

/** One message as it arrived from a device (or a gateway on its behalf). */
export interface InboundMessage {
  readonly topic: string;
  readonly payload: Buffer;
  /** the MQTT client id of the sender, when the transport knows it */
  readonly clientId?: string;
  /** who the sender signed in as, when the transport authenticates (the embedded broker with auth on) */
  readonly principal?: Principal;
  /** the transport already refused it (topic rules, rate limit): dead-letter it with this reason */
  readonly refusal?: InboundRefusal;
}

/** Refusals decided by the transport before ingest sees the payload. */
export interface InboundRefusal {
  readonly code: Extract<IngestRejectionCode, 'INGEST_E_NOT_AUTHORISED' | 'INGEST_E_RATE_LIMITED'>;
  /** names the principal and the topic; never the payload */
  readonly detail: string;
}

/**
 * Where device messages come from: the embedded aedes broker, or an external broker (Mosquitto,
 * EMQX) through a shared subscription. The contract that keeps promise 2: the device's QoS 1
 * acknowledgement is sent only after `handler` resolved, i.e. after the message is stored or
 * dead-lettered durably. A handler that rejects must leave the message unacknowledged so the
 * device (or the broker's session) delivers it again.
 */
export type InboundHandler = (message: InboundMessage) => Promise<InboundOutcome>;

/** `accepted`: stored (or a redelivery of a stored reading); `refused`: dead-lettered with its reason. */
export type InboundOutcome = 'accepted' | 'refused';

export abstract class ReadingSource {
  abstract start(handler: InboundHandler): Promise<void>;
  abstract stop(): Promise<void>;
  abstract describe(): { kind: string; connectedClients: number };
}
