/** The alerts service's tables (alerts.sqlite). Additive only: `IF NOT EXISTS` everywhere. */
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
`;
