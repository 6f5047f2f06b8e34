import { AlertStatus, MEASUREMENTS, MeasurementCode } from '@pulseproof/contracts';
import { AlertHistoryEntry, AlertRecord, alertStatus } from './lifecycle/alert.model';
import { News2Parameter, News2ParameterScore, News2ResponseBand, Spo2Scale, scoreNews2 } from './news2';
import { LatestVital, PatientRecord } from './patient-state.store';
import { currentVitals, isCurrent } from './patient-vitals';

/** An alert as `GET /api/alerts` returns it: the stored alert with its status, without the policy's bookkeeping. */
export type AlertView = Omit<AlertRecord, 'evidence'> & { readonly status: AlertStatus };

/** `GET /api/alerts/:id`: the alert and every change it went through, oldest first. */
export interface AlertDetailView {
  readonly alert: AlertView;
  readonly history: readonly AlertHistoryEntry[];
}

export interface VitalView {
  readonly value: number;
  /** UCUM unit of the catalogue */
  readonly unit: string;
  /** when it was measured, ms */
  readonly at: number;
  /** false when older than the window and so left out of NEWS2 */
  readonly current: boolean;
  readonly sourceId: string;
}

/** A patient as `GET /api/patients` returns it. */
export interface PatientView {
  readonly patientId: string;
  readonly spo2Scale: Spo2Scale;
  /** newest measurement time, ms; absent when nothing was measured yet */
  readonly lastMeasuredAt?: number;
  readonly vitals: Partial<Record<MeasurementCode, VitalView>>;
  readonly news2: {
    readonly total: number;
    readonly responseBand: News2ResponseBand;
    readonly complete: boolean;
    readonly missing: readonly News2Parameter[];
    readonly anySingleThree: boolean;
    readonly parameters: readonly News2ParameterScore[];
  };
}

export function toAlertView(alert: AlertRecord): AlertView {
  const { evidence: _internal, ...view } = alert;
  return { ...view, status: alertStatus(alert) };
}

export function groupByPatient(vitals: readonly LatestVital[]): Map<string, LatestVital[]> {
  const byPatient = new Map<string, LatestVital[]>();
  for (const vital of vitals) {
    const list = byPatient.get(vital.patientId);
    if (list) list.push(vital);
    else byPatient.set(vital.patientId, [vital]);
  }
  return byPatient;
}

export function toPatientView(patient: PatientRecord, vitals: readonly LatestVital[], maxAgeMs: number): PatientView {
  const { measurements, evaluatedAt } = currentVitals(vitals, maxAgeMs);
  const score = scoreNews2(measurements, { spo2Scale: patient.spo2Scale });
  const vitalViews: Partial<Record<MeasurementCode, VitalView>> = {};
  for (const vital of vitals) {
    vitalViews[vital.code] = {
      value: vital.value,
      unit: MEASUREMENTS[vital.code].unit,
      at: vital.deviceTime,
      current: evaluatedAt !== undefined && isCurrent(vital, evaluatedAt, maxAgeMs),
      sourceId: vital.sourceId,
    };
  }
  return {
    patientId: patient.patientId,
    spo2Scale: patient.spo2Scale,
    ...(evaluatedAt === undefined ? {} : { lastMeasuredAt: evaluatedAt }),
    vitals: vitalViews,
    news2: {
      total: score.total,
      responseBand: score.responseBand,
      complete: score.complete,
      missing: score.missing,
      anySingleThree: score.anySingleThree,
      parameters: score.parameters,
    },
  };
}

const BAND_RANK: Record<News2ResponseBand, number> = { none: 0, incomplete: 1, low: 2, 'low-medium': 3, medium: 4, high: 5 };

/** Highest NEWS2 first; a red score before an equal total without one; then by id, for a stable list. */
export function byUrgency(a: PatientView, b: PatientView): number {
  return (
    b.news2.total - a.news2.total ||
    BAND_RANK[b.news2.responseBand] - BAND_RANK[a.news2.responseBand] ||
    (a.patientId < b.patientId ? -1 : a.patientId > b.patientId ? 1 : 0)
  );
}
