/**
 * The alerts service's tables (alerts.sqlite). Additive only: `IF NOT EXISTS` everywhere, and
 * columns added later are listed in ALERTS_ADDED_COLUMNS (ALTER TABLE on files made before them).
 */
export const ALERTS_SCHEMA = `
  CREATE TABLE IF NOT EXISTS patients (
    patient_id TEXT PRIMARY KEY,
    first_seen_at INTEGER NOT NULL,
    last_measured_at INTEGER NOT NULL,
    spo2_scale INTEGER NOT NULL DEFAULT 1 CHECK (spo2_scale IN (1, 2))
  );
  CREATE TABLE IF NOT EXISTS latest_vitals (
    patient_id TEXT NOT NULL,
    code TEXT NOT NULL,
    value REAL NOT NULL,
    device_time INTEGER NOT NULL,
    device_id TEXT,
    seq INTEGER,
    source_id TEXT NOT NULL,
    PRIMARY KEY (patient_id, code)
  );
  -- Readings and observations already applied: a redelivered one is skipped whole.
  CREATE TABLE IF NOT EXISTS processed_sources (
    source_id TEXT PRIMARY KEY,
    processed_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS processed_sources_at ON processed_sources (processed_at);
  CREATE TABLE IF NOT EXISTS alerts (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL,
    type TEXT NOT NULL,
    priority TEXT NOT NULL CHECK (priority IN ('high', 'medium', 'low')),
    state TEXT NOT NULL CHECK (state IN ('active', 'cleared')),
    summary TEXT NOT NULL,
    score INTEGER,
    evidence TEXT NOT NULL DEFAULT '[]',
    raised_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    cleared_by TEXT,
    raised_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    cleared_at INTEGER,
    CHECK ((state = 'cleared') = (cleared_at IS NOT NULL AND cleared_by IS NOT NULL))
  );
  -- At most one active alert per (patient, type), whatever the code above does.
  CREATE UNIQUE INDEX IF NOT EXISTS alerts_one_active ON alerts (patient_id, type) WHERE state = 'active';
  CREATE INDEX IF NOT EXISTS alerts_by_raised ON alerts (raised_at);
  CREATE INDEX IF NOT EXISTS alerts_by_patient ON alerts (patient_id, raised_at);
  -- Alert events written in the same transaction as the alert, published after commit (outbox).
  CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    value TEXT NOT NULL
  );
  -- Every change of every alert, in order (GET /api/alerts/:id).
  CREATE TABLE IF NOT EXISTS alert_history (
    alert_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    at INTEGER NOT NULL,
    change TEXT NOT NULL,
    status TEXT NOT NULL,
    priority TEXT NOT NULL,
    escalation_level INTEGER NOT NULL,
    summary TEXT NOT NULL,
    score REAL,
    by TEXT NOT NULL,
    PRIMARY KEY (alert_id, seq)
  );
  -- Per patient and rule: what a rule remembers between readings (hold-off start, trend window...).
  CREATE TABLE IF NOT EXISTS rule_state (
    patient_id TEXT NOT NULL,
    rule_key TEXT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (patient_id, rule_key)
  );
  -- Per patient rule configuration (PUT /api/patients/:id/rules); absent = the defaults.
  CREATE TABLE IF NOT EXISTS patient_rules (
    patient_id TEXT PRIMARY KEY,
    rules TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  -- Staff observations, kept whole (history); the current values also go to latest_vitals.
  CREATE TABLE IF NOT EXISTS observations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    patient_id TEXT NOT NULL,
    observed_at INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    observed_by TEXT NOT NULL,
    consciousness INTEGER,
    supplemental_oxygen INTEGER,
    spo2_scale INTEGER,
    UNIQUE (patient_id, observed_at, observed_by)
  );
  -- The patient each device last reported for, so that a dead letter (which names only the device)
  -- reaches the right patient's technical alarm.
  CREATE TABLE IF NOT EXISTS device_patients (
    device_id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL,
    last_received_at INTEGER NOT NULL
  );
`;

/** Columns added to tables of the first schema: [table, column, definition]. */
export const ALERTS_ADDED_COLUMNS: readonly [string, string, string][] = [
  ['alerts', 'kind', "TEXT NOT NULL DEFAULT 'physiological'"],
  ['alerts', 'device_ids', "TEXT NOT NULL DEFAULT '[]'"],
  ['alerts', 'acknowledged_by', 'TEXT'],
  ['alerts', 'acknowledged_at', 'INTEGER'],
  ['alerts', 'escalation_level', 'INTEGER NOT NULL DEFAULT 0'],
  ['alerts', 'next_escalation_at', 'INTEGER'],
];

/** Indexes over added columns: run after ALERTS_ADDED_COLUMNS. */
export const ALERTS_SCHEMA_INDEXES = `
  CREATE INDEX IF NOT EXISTS alerts_escalation_due ON alerts (next_escalation_at) WHERE next_escalation_at IS NOT NULL;
`;
