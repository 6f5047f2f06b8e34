import { api, HttpError, q, recoverRefusedStream } from '../api';
import { announce } from '../announcer';
import { h, setText } from '../dom';
import { onNextFrame } from '../frame';
import { byUrgency, PatientLive } from '../model';
import { PatientTile } from './tile';

/** the screen remembers its density: a wall monitor stays dense across reloads */
const DENSE_KEY = 'pp.dense';
/** the longest a tile waits to move within its band, ms */
const REORDER_MS = 5_000;
/** script time one frame may spend writing tiles, ms (a frame is 16.7 ms at 60 Hz) */
const FRAME_BUDGET_MS = 4;

interface Snapshot {
  readonly ward: { readonly id: string; readonly name: string };
  readonly patients: readonly (PatientLive & { readonly trend?: readonly number[] })[];
}

/**
 * The ward overview: a tile per patient, most urgent first. The JSON snapshot paints the first
 * view; the SSE stream (`/api/dashboard/wards/:id/stream`, at most one update a second per
 * patient) keeps it live. Tiles are keyed by patient id and moved, never rebuilt.
 */
export class WardView {
  readonly el: HTMLElement;
  private readonly grid: HTMLOListElement;
  private readonly title: HTMLElement;
  private readonly status: HTMLElement;
  private readonly tiles = new Map<string, PatientTile>();
  private readonly dirty = new Set<PatientTile>();
  private stream: EventSource | undefined;
  private closed = false;
  private lastReorder = -Infinity;
  private reorderTimer: number | undefined;
  private membershipChanged = false;
  onPatients: (ids: ReadonlySet<string>) => void = () => undefined;

  constructor(private readonly wardId: string) {
    this.title = h('h2', { id: 'ward-title' }, `Ward ${wardId}`);
    this.status = h('p', { class: 'stream-status', role: 'status' }, 'Connecting…');
    this.grid = h('ol', { class: 'tiles', 'aria-labelledby': 'ward-title' });
    const dense = h('button', { type: 'button', class: 'secondary', 'aria-pressed': String(localStorage.getItem(DENSE_KEY) === '1') }, 'Dense grid');
    dense.addEventListener('click', () => {
      const on = dense.getAttribute('aria-pressed') !== 'true';
      dense.setAttribute('aria-pressed', String(on));
      localStorage.setItem(DENSE_KEY, on ? '1' : '0');
      this.el.classList.toggle('dense', on);
    });
    this.el = h('section', { class: `ward${localStorage.getItem(DENSE_KEY) === '1' ? ' dense' : ''}` }, h('div', { class: 'section-head' }, this.title, this.status, dense), this.grid);
  }

  /** Resolves to false when the ward cannot be shown (refused, unknown): the page says why. */
  async open(): Promise<boolean> {
    let snapshot: Snapshot;
    try {
      snapshot = await api<Snapshot>(`/api/dashboard/wards/${q(this.wardId)}`);
    } catch (error) {
      this.grid.remove();
      const message = error instanceof HttpError ? error.message : String(error);
      setText(this.status, '');
      this.el.append(h('p', { class: 'refused', role: 'alert' }, error instanceof HttpError && error.status === 403 ? `Access refused: ${message}` : message));
      return false;
    }
    if (this.closed) return false;
    setText(this.title, snapshot.ward.name);
    this.apply(snapshot.patients, true);
    this.connect();
    return true;
  }

  close(): void {
    this.closed = true;
    this.stream?.close();
    window.clearTimeout(this.reorderTimer);
  }

  private connect(): void {
    const stream = new EventSource(`/api/dashboard/wards/${q(this.wardId)}/stream`);
    this.stream = stream;
    stream.addEventListener('open', () => setText(this.status, 'Live'));
    stream.addEventListener('error', () => {
      setText(this.status, 'Reconnecting…');
      this.status.classList.add('stale');
      // reopened through the snapshot: a ward taken away since shows "Access refused" instead of retrying
      recoverRefusedStream(stream, () => {
        if (!this.closed && this.stream === stream) void this.open();
      });
    });
    stream.addEventListener('snapshot', (event) => {
      this.status.classList.remove('stale');
      setText(this.status, 'Live');
      this.apply((JSON.parse((event as MessageEvent<string>).data) as Snapshot).patients, true);
    });
    stream.addEventListener('update', (event) => {
      this.apply((JSON.parse((event as MessageEvent<string>).data) as { patients: PatientLive[] }).patients, false);
    });
  }

  /** Records changes now, writes them in the next animation frame. A full snapshot also drops patients who left. */
  private apply(patients: readonly (PatientLive & { trend?: readonly number[] })[], full: boolean): void {
    let membershipChanged = false;
    for (const patient of patients) {
      const tile = this.tiles.get(patient.patientId);
      if (tile) {
        if (tile.current.news2.band !== 'high' && patient.news2.band === 'high') {
          announce(`${patient.patientId}: NEWS2 ${patient.news2.total}, emergency response`, 'assertive');
        }
        tile.update(patient);
        this.dirty.add(tile);
      } else {
        this.tiles.set(patient.patientId, new PatientTile(patient, patient.trend));
        membershipChanged = true;
      }
    }
    if (full) {
      const present = new Set(patients.map((p) => p.patientId));
      for (const [id, tile] of this.tiles) {
        if (!present.has(id)) {
          this.tiles.delete(id);
          tile.el.remove();
          membershipChanged = true;
        }
      }
    }
    if (membershipChanged) {
      this.membershipChanged = true;
      this.onPatients(new Set(this.tiles.keys()));
    }
    onNextFrame(() => this.render());
  }

  private render(): void {
    // A second's update of a 200-bed ward is spread over frames: a frame writes tiles for at most
    // FRAME_BUDGET_MS, so scrolling and focus stay smooth while the rest waits one frame.
    let bandChanged = false;
    const started = performance.now();
    for (const tile of this.dirty) {
      bandChanged = tile.render() || bandChanged;
      this.dirty.delete(tile);
      if (performance.now() - started > FRAME_BUDGET_MS) break;
    }
    if (this.dirty.size > 0) onNextFrame(() => this.render());
    // A change of response band moves tiles at once (a deteriorating patient rises now); score
    // jitter inside a band reorders at most every REORDER_MS, so the grid does not shuffle under
    // the reader's eyes, nor relayout 200 tiles every second.
    const now = performance.now();
    if (!bandChanged && !this.membershipChanged && now - this.lastReorder < REORDER_MS) {
      this.reorderTimer ??= window.setTimeout(() => {
        this.reorderTimer = undefined;
        onNextFrame(() => this.render());
      }, REORDER_MS);
      return;
    }
    this.lastReorder = now;
    this.membershipChanged = false;
    const ordered = [...this.tiles.values()].sort((a, b) => byUrgency(a.current, b.current));
    const focused = document.activeElement;
    const children = this.grid.children;
    for (let i = 0; i < ordered.length; i++) {
      const el = ordered[i]!.el;
      if (children[i] !== el) this.grid.insertBefore(el, children[i] ?? null);
    }
    // moving a node drops its focus; the keyboard user stays on the patient they were on
    if (focused instanceof HTMLElement && focused !== document.activeElement && this.grid.contains(focused)) focused.focus({ preventScroll: true });
    if (this.tiles.size === 0 && !this.grid.querySelector('.empty')) {
      this.grid.append(h('li', { class: 'empty' }, 'No patients in this ward yet.'));
    } else if (this.tiles.size > 0) {
      this.grid.querySelector('.empty')?.remove();
    }
  }
}
