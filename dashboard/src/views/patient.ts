import { scoreNews2 } from '../../../services/alerts/src/news2';
import { api, HttpError, q } from '../api';
import { announce } from '../announcer';
import { lineChart } from '../charts';
import { formatDateTime, formatTime, h } from '../dom';
import { AlertView, BAND_LABEL, ResponseBand, User } from '../model';

const RANGES = [
  { label: 'last 15 minutes', ms: 15 * 60_000 },
  { label: 'last hour', ms: 3_600_000 },
  { label: 'last 6 hours', ms: 6 * 3_600_000 },
  { label: 'last 24 hours', ms: 24 * 3_600_000 },
] as const;

const CHARTS = [
  { code: 'heart_rate', title: 'Heart rate', unit: '/min' },
  { code: 'spo2', title: 'SpO₂', unit: '%' },
  { code: 'respiratory_rate', title: 'Respiratory rate', unit: '/min' },
  { code: 'systolic_bp', title: 'Systolic BP', unit: 'mmHg' },
  { code: 'temperature', title: 'Temperature', unit: '°C' },
] as const;

const ACVPU = ['A', 'C', 'V', 'P', 'U'] as const;

interface Bucket { start: string; mean: number | null; count: number }
interface Reading { id: string; time: string; measurements: Record<string, number> }
interface Observation { id: number; observedAt: number; observedBy: string; consciousness?: string; supplementalOxygen?: boolean }
interface PatientView { patientId: string; spo2Scale: 1 | 2; news2: { total: number; responseBand: ResponseBand } }

/**
 * One patient: history charts per measurement over a chosen range, NEWS2 over time, alerts,
 * whether the latest readings are anchored, and the staff-entered observations (with a form).
 */
export class PatientDetail {
  readonly el: HTMLElement;
  private readonly body: HTMLElement;
  private range: number = RANGES[1].ms;

  constructor(
    private readonly patientId: string,
    private readonly user: User,
  ) {
    const select = h('select', { id: 'range' }, ...RANGES.map((r) => h('option', { value: r.ms, selected: r.ms === this.range }, r.label)));
    select.addEventListener('change', () => {
      this.range = Number(select.value);
      void this.load();
    });
    const refresh = h('button', { type: 'button', class: 'secondary' }, 'Refresh');
    refresh.addEventListener('click', () => void this.load());
    this.body = h('div', { class: 'patient-body', 'aria-busy': 'true' });
    this.el = h(
      'section',
      { class: 'patient' },
      h('div', { class: 'section-head' }, h('h2', {}, `Patient ${patientId}`), h('label', { for: 'range' }, 'Range '), select, refresh),
      this.body,
    );
  }

  async load(): Promise<void> {
    const id = q(this.patientId);
    const to = Date.now();
    const from = to - this.range;
    this.body.setAttribute('aria-busy', 'true');
    try {
      const [patient, histories, vitals, alerts, observations] = await Promise.all([
        api<PatientView>(`/api/patients/${id}`),
        Promise.all(CHARTS.map((c) => api<{ buckets: Bucket[]; bucketMs: number }>(`/api/patients/${id}/history?measurement=${c.code}&from=${from}&to=${to}`))),
        api<{ readings: Reading[] }>(`/api/patients/${id}/vitals?from=${from}&to=${to}&limit=5000`),
        api<AlertView[]>(`/api/alerts?patientId=${id}&state=all&limit=50`),
        api<Observation[]>(`/api/patients/${id}/observations`),
      ]);
      const readings = [...vitals.readings].sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
      this.body.replaceChildren(
        h('p', { class: `current band-${patient.news2.responseBand}` }, `NEWS2 now: ${patient.news2.total} (${BAND_LABEL[patient.news2.responseBand]})`),
        h(
          'div',
          { class: 'charts' },
          this.news2Chart(readings, observations, patient.spo2Scale, from, to),
          ...CHARTS.map((c, i) => {
            const history = histories[i]!;
            const points = history.buckets.filter((b) => b.mean !== null).map((b) => ({ t: Date.parse(b.start), v: b.mean! }));
            return h('figure', {}, h('figcaption', {}, `${c.title} (${c.unit})`), lineChart({ label: c.title, points }, from, to, { unit: c.unit, gapMs: history.bucketMs * 3, title: `${c.title} over the ${RANGES.find((r) => r.ms === this.range)?.label}` }));
          }),
        ),
        h('div', { class: 'columns' }, this.alertHistory(alerts), await this.anchoring(readings.slice(-8).reverse()), this.observations(observations)),
      );
    } catch (error) {
      this.body.replaceChildren(h('p', { class: 'refused', role: 'alert' }, error instanceof HttpError && error.status === 403 ? `Access refused: ${error.message}` : String(error instanceof Error ? error.message : error)));
    }
    this.body.setAttribute('aria-busy', 'false');
  }

  /** NEWS2 recomputed at each reading with the service's own scorer, carrying each parameter forward as the service does. */
  private news2Chart(readings: Reading[], observations: Observation[], spo2Scale: 1 | 2, from: number, to: number): HTMLElement {
    const staff = [...observations].sort((a, b) => a.observedAt - b.observedAt);
    const latest: Record<string, number> = {};
    const points: { t: number; v: number }[] = [];
    let o = 0;
    for (const reading of readings) {
      const t = Date.parse(reading.time);
      for (; o < staff.length && staff[o]!.observedAt <= t; o++) {
        const obs = staff[o]!;
        if (obs.consciousness !== undefined) latest.consciousness = ACVPU.indexOf(obs.consciousness as (typeof ACVPU)[number]);
        if (obs.supplementalOxygen !== undefined) latest.supplemental_oxygen = obs.supplementalOxygen ? 1 : 0;
      }
      Object.assign(latest, reading.measurements);
      points.push({ t, v: scoreNews2(latest, { spo2Scale }).total });
    }
    return h('figure', {}, h('figcaption', {}, 'NEWS2'), lineChart({ label: 'NEWS2', points }, from, to, { unit: '', gapMs: 60_000, title: 'NEWS2 over time' }));
  }

  private alertHistory(alerts: AlertView[]): HTMLElement {
    return h(
      'section',
      {},
      h('h3', {}, 'Alert history'),
      alerts.length === 0
        ? h('p', {}, 'No alerts.')
        : h('ul', { class: 'plain' }, ...alerts.map((a) => h('li', { class: `priority-${a.priority}` }, h('strong', {}, a.priority), ` ${formatDateTime(a.raisedAt)}: ${a.summary} — ${a.state}${a.acknowledgedBy ? `, acknowledged by ${a.acknowledgedBy}` : ''}`))),
    );
  }

  /** On chain yet? `/api/dashboard/patients/:id/anchoring`; an auditor also gets the receipt link. */
  private async anchoring(readings: Reading[]): Promise<HTMLElement> {
    const states = new Map<string, string>();
    if (readings.length > 0) {
      try {
        const answer = await api<{ readings: { id: string; state: string }[] }>(`/api/dashboard/patients/${q(this.patientId)}/anchoring?readings=${readings.map((r) => q(r.id)).join(',')}`);
        for (const r of answer.readings) states.set(r.id, r.state);
      } catch {
        // the table still lists the readings; their state shows as unknown
      }
    }
    const label: Record<string, string> = { anchored: 'anchored', pending: 'not yet', unknown: 'unknown' };
    const rows = readings.map((r) => {
      const state = states.get(r.id) ?? 'unknown';
      const link = state === 'anchored' && this.user.role !== 'clinician' ? h('a', { href: `/api/readings/${q(r.id)}/receipt`, download: `receipt-${r.id.replace(/[^\w.-]/g, '_')}.json` }, 'receipt') : '';
      return h('tr', {}, h('td', {}, formatTime(Date.parse(r.time))), h('td', {}, r.id), h('td', { class: `anchor-${state}` }, label[state] ?? state, ' ', link));
    });
    return h('section', {}, h('h3', {}, 'Latest readings anchored?'), h('table', {}, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Time'), h('th', { scope: 'col' }, 'Reading'), h('th', { scope: 'col' }, 'On chain'))), h('tbody', {}, ...rows)));
  }

  private observations(observations: Observation[]): HTMLElement {
    const consciousness = h('select', { id: 'obs-acvpu' }, h('option', { value: '' }, 'not assessed'), ...ACVPU.map((c) => h('option', { value: c }, c)));
    const oxygen = h('select', { id: 'obs-o2' }, h('option', { value: '' }, 'not assessed'), h('option', { value: 'air' }, 'air'), h('option', { value: 'oxygen' }, 'supplemental oxygen'));
    const form = h(
      'form',
      { class: 'obs-form' },
      h('label', { for: 'obs-acvpu' }, 'Consciousness (ACVPU)'),
      consciousness,
      h('label', { for: 'obs-o2' }, 'Air or oxygen'),
      oxygen,
      h('button', { type: 'submit' }, 'Record observation'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const body: Record<string, unknown> = { observedBy: this.user.username };
      if (consciousness.value) body.consciousness = consciousness.value;
      if (oxygen.value) body.supplementalOxygen = oxygen.value === 'oxygen';
      api(`/api/patients/${q(this.patientId)}/observations`, { method: 'POST', body }).then(
        () => {
          announce('Observation recorded');
          void this.load();
        },
        (error: unknown) => announce(`Observation not recorded: ${error instanceof Error ? error.message : String(error)}`, 'assertive'),
      );
    });
    return h(
      'section',
      {},
      h('h3', {}, 'Staff observations'),
      this.user.role === 'auditor' ? null : form,
      h('ul', { class: 'plain' }, ...observations.slice(0, 10).map((o) => h('li', {}, `${formatDateTime(o.observedAt)} by ${o.observedBy}: `, [o.consciousness && `ACVPU ${o.consciousness}`, o.supplementalOxygen !== undefined && (o.supplementalOxygen ? 'on oxygen' : 'on air')].filter(Boolean).join(', ') || '—'))),
    );
  }
}
