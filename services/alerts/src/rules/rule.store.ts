import { SqlCache } from '../sql-cache';
import { DEFAULT_PATIENT_RULES, PatientRules } from './patient-rules';

export interface StoredPatientRules {
  readonly rules: PatientRules;
  /** false while the patient runs on the defaults */
  readonly custom: boolean;
  readonly updatedBy?: string;
  readonly updatedAt?: number;
}

/**
 * Per patient rule configuration, and what each rule remembers between readings. Rule memory is
 * read on every reading, so it is also kept in memory, written through to SQLite; `forget` drops
 * the memory copy when a transaction rolls back (SQLite is then the truth again).
 */
export class RuleStore {
  private readonly memory = new Map<string, string | null>();

  constructor(private readonly cache: SqlCache) {}

  forget(): void {
    this.memory.clear();
  }

  rulesOf(patientId: string): StoredPatientRules {
    const row = this.cache.sql('SELECT rules, updated_by, updated_at FROM patient_rules WHERE patient_id = ?').get(patientId) as
      | { rules: string; updated_by: string; updated_at: number }
      | undefined;
    if (!row) return { rules: DEFAULT_PATIENT_RULES, custom: false };
    return { rules: JSON.parse(row.rules) as PatientRules, custom: true, updatedBy: row.updated_by, updatedAt: row.updated_at };
  }

  saveRules(patientId: string, rules: PatientRules, by: string, at: number): void {
    this.cache
      .sql(
        `INSERT INTO patient_rules (patient_id, rules, updated_by, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (patient_id) DO UPDATE SET rules = excluded.rules, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
      )
      .run(patientId, JSON.stringify(rules), by, at);
  }

  /** A rule's memory for this patient (JSON), or undefined when it has none yet. */
  state<T>(patientId: string, ruleKey: string): T | undefined {
    const key = `${patientId}\u0000${ruleKey}`;
    let text = this.memory.get(key);
    if (text === undefined) {
      const row = this.cache.sql('SELECT state FROM rule_state WHERE patient_id = ? AND rule_key = ?').get(patientId, ruleKey) as
        | { state: string }
        | undefined;
      text = row?.state ?? null;
      this.memory.set(key, text);
    }
    return text === null ? undefined : (JSON.parse(text) as T);
  }

  /** Writes the rule's memory; an undefined state forgets it. Skips the write when nothing changed. */
  setState<T>(patientId: string, ruleKey: string, state: T | undefined, previous?: T): void {
    const key = `${patientId}\u0000${ruleKey}`;
    if (state === undefined) {
      if (previous !== undefined) this.cache.sql('DELETE FROM rule_state WHERE patient_id = ? AND rule_key = ?').run(patientId, ruleKey);
      this.memory.set(key, null);
      return;
    }
    const text = JSON.stringify(state);
    if (previous !== undefined && JSON.stringify(previous) === text) return;
    this.memory.set(key, text);
    this.cache
      .sql('INSERT INTO rule_state (patient_id, rule_key, state) VALUES (?, ?, ?) ON CONFLICT (patient_id, rule_key) DO UPDATE SET state = excluded.state')
      .run(patientId, ruleKey, text);
  }
}
