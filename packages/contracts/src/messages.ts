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
/** Whether the alert's condition still holds. */
export type AlertState = 'active' | 'cleared';
/** physiological: the patient (NEWS2, thresholds, trends); technical: the equipment (no data, sensor off, battery). */
export type AlertKind = 'physiological' | 'technical';
/**
 * The four alarm states of IEEE 11073-10101 / IEC 60601-1-8 latching alarms, named as ThingsBoard
 * names them (ACTIVE_UNACK ...): the condition (`state`) crossed with whether a person acknowledged it.
 * A cleared but unacknowledged alert stays on the consoles until someone acknowledges it.
 */
export type AlertStatus = 'active-unacknowledged' | 'active-acknowledged' | 'cleared-unacknowledged' | 'cleared-acknowledged';
/** What this event reports: every change of an alert is one event, in order per patient. */
export type AlertChange = 'raised' | 'updated' | 'escalated' | 'acknowledged' | 'cleared';

/** An alert as raised, updated, escalated, acknowledged or cleared. One active alert per (patient, type). */
export interface AlertEvent {
  readonly alertId: string;
  readonly patientId: string;
  /** `news2`, a rule id (`spo2-low`, `hr-rise`) or a technical alarm (`no-data`, `sensor-off`, `implausible`, `low-battery`) */
  readonly type: string;
  readonly priority: AlertPriority;
  readonly state: AlertState;
  /** one line a clinician reads, e.g. "NEWS2 7 (RR 3, SpO2 2, HR 2)" */
  readonly summary: string;
  /** the NEWS2 aggregate for `news2` alerts, the measured value for a rule */
  readonly score?: number;
  /** the reading (or observation, status event, user action) that raised, changed or cleared it */
  readonly readingId: string;
  readonly raisedAt: number;
  readonly updatedAt: number;
  // Added with issue 5; optional so that events written before it still parse.
  readonly kind?: AlertKind;
  readonly status?: AlertStatus;
  readonly change?: AlertChange;
  readonly acknowledgedBy?: string;
  readonly acknowledgedAt?: number;
  /** 0 when raised; +1 at each escalation step that found it unacknowledged */
  readonly escalationLevel?: number;
  /** technical alarms: the devices concerned */
  readonly deviceIds?: readonly string[];
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
