import { Inject, Injectable } from '@nestjs/common';
import { ID_PATTERN } from '@pulseproof/contracts';
import { ALERTS_CLOCK, AlertsClock } from '../clock';
import { AlertsError } from '../errors';
import { EscalationScheduler } from '../lifecycle/escalation.scheduler';
import { OutboxPublisher } from '../lifecycle/outbox.publisher';
import { News2Result } from '../news2';
import { PatientStateStore } from '../patient-state.store';
import { News2Evaluator } from '../rules/news2.evaluator';
import { ACVPU, Acvpu, Observation } from './observation.store';

/** The body of POST /api/patients/:id/observations. */
export interface ObservationInput {
  readonly consciousness?: unknown;
  readonly supplementalOxygen?: unknown;
  readonly spo2Scale?: unknown;
  readonly observedBy?: unknown;
  readonly at?: unknown;
}

/** How far ahead of the server's clock an observation time may be (clock skew of a ward tablet). */
const MAX_AHEAD_MS = 5 * 60 * 1000;

/**
 * Staff observations: the NEWS2 rows that sensors cannot give (RCP 2017 Chart 1: consciousness on
 * the ACVPU scale, with new-onset confusion as C; air or oxygen; and which SpO2 scale applies, a
 * clinician's decision for hypercapnic respiratory failure). A value holds until staff enter a new
 * one (it never goes stale, see patient-vitals.ts); every observation is kept as history.
 */
@Injectable()
export class ObservationsService {
  constructor(
    private readonly store: PatientStateStore,
    private readonly news2: News2Evaluator,
    private readonly publisher: OutboxPublisher,
    private readonly escalation: EscalationScheduler,
    @Inject(ALERTS_CLOCK) private readonly clock: AlertsClock,
  ) {}

  async record(patientId: string, input: ObservationInput): Promise<{ observation: Observation; news2: News2Result }> {
    const now = this.clock.now();
    const o = parseObservation(patientId, input, now);
    const observation = this.store.transaction(() => {
      const { observation, added } = this.store.observations.add({ ...o, recordedAt: now });
      if (!added) return observation; // the same observation sent again
      const sourceId = `observation:${observation.id}`;
      this.store.touchPatient(patientId, o.observedAt, now);
      if (o.spo2Scale !== undefined) this.store.setSpo2Scale(patientId, o.spo2Scale, now);
      if (o.consciousness !== undefined) {
        this.store.recordVital({ patientId, code: 'consciousness', value: ACVPU.indexOf(o.consciousness), deviceTime: o.observedAt, sourceId });
      }
      if (o.supplementalOxygen !== undefined) {
        this.store.recordVital({ patientId, code: 'supplemental_oxygen', value: o.supplementalOxygen ? 1 : 0, deviceTime: o.observedAt, sourceId });
      }
      this.news2.evaluate(patientId, { id: sourceId });
      return observation;
    });
    this.escalation.arm();
    await this.publisher.publishPending();
    return { observation, news2: this.news2.scoreOf(patientId).score };
  }

  history(patientId: string, limit = 100): Observation[] {
    return this.store.observations.history(patientId, limit);
  }
}

function fail(message: string): never {
  throw new AlertsError('ALERTS_E_OBSERVATION', message);
}

export function parseObservation(
  patientId: string,
  input: ObservationInput,
  now: number,
): { patientId: string; observedAt: number; observedBy: string; consciousness?: Acvpu; supplementalOxygen?: boolean; spo2Scale?: 1 | 2 } {
  if (!ID_PATTERN.test(patientId)) fail('patientId is not a valid id');
  if (typeof input !== 'object' || input === null) fail('the body must be an object');
  const known = ['consciousness', 'supplementalOxygen', 'spo2Scale', 'observedBy', 'at'];
  const unknown = Object.keys(input).find((k) => !known.includes(k));
  if (unknown !== undefined) fail(`unknown field "${unknown.slice(0, 64)}" (allowed: ${known.join(', ')})`);
  if (typeof input.observedBy !== 'string' || !ID_PATTERN.test(input.observedBy)) {
    fail('observedBy must be the staff id of who observed: 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit');
  }
  const { consciousness, supplementalOxygen, spo2Scale } = input;
  if (consciousness !== undefined && !(ACVPU as readonly unknown[]).includes(consciousness)) fail('consciousness must be one of A, C, V, P, U (ACVPU; C is new-onset confusion)');
  if (supplementalOxygen !== undefined && typeof supplementalOxygen !== 'boolean') fail('supplementalOxygen must be true or false');
  if (spo2Scale !== undefined && spo2Scale !== 1 && spo2Scale !== 2) fail('spo2Scale must be 1 or 2');
  if (consciousness === undefined && supplementalOxygen === undefined && spo2Scale === undefined) {
    fail('enter at least one of consciousness, supplementalOxygen, spo2Scale');
  }
  let observedAt = now;
  if (input.at !== undefined) {
    if (typeof input.at !== 'number' || !Number.isSafeInteger(input.at) || input.at < 0 || input.at > now + MAX_AHEAD_MS) {
      fail('at must be a time in ms since the epoch, not in the future');
    }
    observedAt = input.at;
  }
  return {
    patientId,
    observedAt,
    observedBy: input.observedBy as string,
    ...(consciousness === undefined ? {} : { consciousness: consciousness as Acvpu }),
    ...(supplementalOxygen === undefined ? {} : { supplementalOxygen }),
    ...(spo2Scale === undefined ? {} : { spo2Scale }),
  };
}
