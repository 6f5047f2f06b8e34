import { sparklinePoints } from '../charts';
import { h, s, setText } from '../dom';
import { BAND_LABEL, PatientLive } from '../model';

/** the NEWS2 trend: 30 points 20 s apart, the last 10 minutes (the server's TREND_EVERY_MS) */
const TREND_LENGTH = 30;
const TREND_EVERY_MS = 20_000;
const ACVPU = ['A', 'C', 'V', 'P', 'U'];

/**
 * One patient's tile on the ward overview. Built once; `update` only rewrites the text and
 * classes that changed, so a stream of 200 patients a second never rebuilds the grid.
 */
export class PatientTile {
  readonly el: HTMLLIElement;
  private readonly link: HTMLAnchorElement;
  private readonly score: HTMLElement;
  private readonly band: HTMLElement;
  private readonly values: Record<'hr' | 'spo2' | 'rr' | 'bp' | 'temp' | 'acvpu', HTMLElement>;
  private readonly device: HTMLElement;
  private readonly spark: SVGPolylineElement;
  private readonly trend: number[] = [];
  private sampledAt = 0;
  private lastBand = '';
  private lastDevice = '';
  current: PatientLive;

  constructor(patient: PatientLive, trend: readonly number[] = []) {
    this.current = patient;
    this.trend.push(...trend.slice(-TREND_LENGTH));
    const value = () => h('dd', { class: 'value' });
    this.values = { hr: value(), spo2: value(), rr: value(), bp: value(), temp: value(), acvpu: value() };
    this.score = h('span', { class: 'score' });
    this.band = h('span', { class: 'band' });
    this.device = h('span', { class: 'device' });
    this.spark = s('polyline', { class: 'spark-line' });
    this.link = h('a', { href: `#/patient/${encodeURIComponent(patient.patientId)}`, class: 'tile-name' }, patient.patientId);
    this.el = h(
      'li',
      { class: 'tile', 'data-patient': patient.patientId },
      h('div', { class: 'tile-head' }, h('h3', {}, this.link), this.device),
      h('div', { class: 'news2', title: 'NEWS2 aggregate score' }, h('span', { class: 'news2-label' }, 'NEWS2'), this.score, this.band),
      h(
        'dl',
        { class: 'vitals' },
        h('div', {}, h('dt', {}, 'HR'), this.values.hr),
        h('div', {}, h('dt', {}, 'SpO₂'), this.values.spo2),
        h('div', {}, h('dt', {}, 'RR'), this.values.rr),
        h('div', {}, h('dt', {}, 'BP'), this.values.bp),
        h('div', {}, h('dt', {}, 'Temp'), this.values.temp),
        h('div', {}, h('dt', {}, 'ACVPU'), this.values.acvpu),
      ),
      s('svg', { class: 'spark', viewBox: '0 0 120 24', preserveAspectRatio: 'none', 'aria-hidden': 'true' }, this.spark),
    );
    this.render();
  }

  /** Records the new values; the caller renders in the next frame. */
  update(patient: PatientLive): void {
    // one point per TREND_EVERY_MS, as the server samples the snapshot's trend; the last point
    // follows the live score in between
    if (patient.lastMeasuredAt !== this.current.lastMeasuredAt && patient.news2.band !== 'none') {
      const now = Date.now();
      if (this.trend.length === 0 || now - this.sampledAt >= TREND_EVERY_MS) {
        this.trend.push(patient.news2.total);
        this.sampledAt = now;
        if (this.trend.length > TREND_LENGTH) this.trend.shift();
      } else {
        this.trend[this.trend.length - 1] = patient.news2.total;
      }
    }
    this.current = patient;
  }

  /** Writes the current values; answers true when the response band changed (the grid reorders at once). */
  render(): boolean {
    const p = this.current;
    let bandChanged = false;
    const v = p.vitals;
    setText(this.values.hr, fmt(v.heart_rate, 0));
    setText(this.values.spo2, v.spo2 === undefined ? '–' : `${fmt(v.spo2, 0)}%${v.supplemental_oxygen === 1 ? ' O₂' : ''}`);
    setText(this.values.rr, fmt(v.respiratory_rate, 0));
    setText(this.values.bp, v.systolic_bp === undefined ? '–' : `${fmt(v.systolic_bp, 0)}/${fmt(v.diastolic_bp, 0)}`);
    setText(this.values.temp, fmt(v.temperature, 1));
    setText(this.values.acvpu, v.consciousness === undefined ? '–' : (ACVPU[v.consciousness] ?? '?'));
    setText(this.score, p.news2.band === 'none' ? '–' : String(p.news2.total));
    setText(this.band, BAND_LABEL[p.news2.band]);
    if (this.lastBand !== p.news2.band) {
      this.el.classList.remove(`band-${this.lastBand}`);
      this.el.classList.add(`band-${p.news2.band}`);
      bandChanged = this.lastBand !== '';
      this.lastBand = p.news2.band;
    }
    if (this.lastDevice !== p.device) {
      setText(this.device, p.device === 'online' ? '●' : p.device === 'unknown' ? '○ no device' : `○ ${p.device}`);
      this.device.title = `device ${p.device}`;
      this.device.className = `device device-${p.device}`;
      this.lastDevice = p.device;
    }
    this.link.setAttribute('aria-label', `${p.patientId}, NEWS2 ${p.news2.total} ${BAND_LABEL[p.news2.band]}, device ${p.device}`);
    this.spark.setAttribute('points', sparklinePoints(this.trend, 120, 24));
    return bandChanged;
  }
}

function fmt(value: number | undefined, decimals: number): string {
  return value === undefined ? '–' : value.toFixed(decimals);
}
