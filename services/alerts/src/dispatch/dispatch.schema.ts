/**
 * The dispatcher's tables (dispatch.sqlite, beside alerts.sqlite). Additive only (IF NOT EXISTS).
 * Positions are WGS 84 decimal degrees. One open dispatch per patient is a partial unique index, so
 * even a bug cannot send two crews; one dispatch per triggering alert is a unique column, so a
 * redelivered alert event dispatches nothing new.
 */
export const DISPATCH_SCHEMA = `
  CREATE TABLE IF NOT EXISTS units (
    unit_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    dispatch_id TEXT,
    reported_at INTEGER NOT NULL,   -- the unit's clock
    received_at INTEGER NOT NULL    -- ours: staleness is judged on it
  );
  CREATE TABLE IF NOT EXISTS patient_locations (
    patient_id TEXT PRIMARY KEY,
    outside_hospital INTEGER NOT NULL DEFAULT 0,
    home_lat REAL,
    home_lon REAL,
    set_at INTEGER,                 -- when staff last set outside_hospital/home
    gps_lat REAL,
    gps_lon REAL,
    gps_at INTEGER,                 -- device time of the newest fix (orders fixes)
    gps_received_at INTEGER         -- ingest's clock when it arrived (compared with set_at)
  );
  -- The newest event of the trigger's alert type per patient, so that marking a patient as outside
  -- hospital while such an alert is active dispatches at once.
  CREATE TABLE IF NOT EXISTS trigger_alerts (
    patient_id TEXT PRIMARY KEY,
    alert_id TEXT NOT NULL,
    state TEXT NOT NULL,
    score INTEGER,
    summary TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS dispatches (
    dispatch_id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL,
    alert_id TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    unit_id TEXT,
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    location_source TEXT NOT NULL,
    news2_score INTEGER,
    news2_summary TEXT NOT NULL,
    eta_seconds REAL,
    distance_m REAL,
    route TEXT,                     -- JSON [[lat, lon], ...] of the current offer
    order_json TEXT,                -- the order as published, re-published after a restart
    ack_deadline INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    closed_at INTEGER
  );
  CREATE UNIQUE INDEX IF NOT EXISTS one_open_dispatch_per_patient ON dispatches (patient_id)
    WHERE status NOT IN ('completed', 'cancelled');
  CREATE INDEX IF NOT EXISTS dispatches_by_creation ON dispatches (created_at);
  CREATE TABLE IF NOT EXISTS dispatch_attempts (
    dispatch_id TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    unit_id TEXT NOT NULL,
    offered_at INTEGER NOT NULL,
    eta_seconds REAL NOT NULL,
    outcome TEXT NOT NULL,          -- pending, acknowledged, timeout, cancelled
    outcome_at INTEGER,
    PRIMARY KEY (dispatch_id, attempt)
  );
  CREATE TABLE IF NOT EXISTS dispatch_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dispatch_id TEXT NOT NULL,
    status TEXT NOT NULL,
    unit_id TEXT,
    at INTEGER NOT NULL,
    note TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS dispatch_history_by_dispatch ON dispatch_history (dispatch_id, id);
`;
