/** What a component says of itself on `GET /api/health`. */
export interface ComponentHealth {
  readonly status: 'up' | 'degraded' | 'down';
  /** counters and positions worth seeing at a glance; never patient data */
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** Implemented by each service so the app can report on it without knowing its insides. */
export interface HealthReporter {
  readonly component: string;
  health(): ComponentHealth;
}
