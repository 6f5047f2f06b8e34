/** Messages on the bus besides the reading itself (see reading.ts). */

/** A device message that was refused, with the coded reason; never retried. */
export interface DeadLetter {
  /** catalogue code of the refusing service, e.g. INGEST_E_SCHEMA */
  readonly reason: string;
  /** what was wrong, for the person who fixes the device; never patient data */
  readonly detail: string;
  readonly topic: string;
  /** the device the topic or the authenticated client names, when known */
  readonly deviceId?: string;
  readonly receivedAt: number;
  readonly payloadBytes: number;
  /** the first bytes of the payload (base64), for diagnosis; kept in the store, never logged */
  readonly payloadHead: string;
}

export type AlertPriority = 'high' | 'medium' | 'low';
export type AlertState = 'active' | 'cleared';

/** An alert as raised, updated or cleared. One active alert per (patient, type). */
export interface AlertEvent {
  readonly alertId: string;
  readonly patientId: string;
  readonly type: string;
  readonly priority: AlertPriority;
  readonly state: AlertState;
  /** one line a clinician reads, e.g. "NEWS2 7 (RR 3, SpO2 2, HR 2)" */
  readonly summary: string;
  readonly score?: number;
  /** the reading that raised, escalated or cleared it */
  readonly readingId: string;
  readonly raisedAt: number;
  readonly updatedAt: number;
}

/** A batch of readings whose Merkle root went on chain. */
export interface AnchorEvent {
  readonly batchId: number;
  readonly root: string;
  readonly count: number;
  readonly chainId: number;
  readonly contract: string;
  readonly txHash: string;
  readonly blockNumber: number;
}

/**
 * A device's liveness as ingest sees it. `silent`: connected or not, no reading for longer than the
 * device's configured interval allows; alerts turns it into a technical alarm.
 */
export interface DeviceStatusEvent {
  readonly deviceId: string;
  /** the patient the device is assigned to now, when it is */
  readonly patientId?: string;
  readonly state: 'online' | 'offline' | 'silent';
  /** the last accepted reading, ms since epoch (ingest's clock) */
  readonly lastSeenAt?: number;
  /** the device's expected reporting interval, ms */
  readonly intervalMs: number;
  readonly at: number;
}
