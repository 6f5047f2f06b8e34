import { api, q } from '../api';
import { formatAge, formatTime, h, s } from '../dom';

interface DispatchView {
  dispatchId: string;
  patientId: string;
  status: string;
  unitId: string | null;
  location: { lat: number; lon: number; source: string };
  news2: { score: number | null; summary: string };
  etaSeconds: number | null;
  distanceMetres: number | null;
  createdAt: number;
  updatedAt: number;
}
interface DispatchDetail extends DispatchView { route: [number, number][] | null }
/** A unit serving a patient outside the caller's wards comes without a position (GET /api/units). */
interface Unit { unitId: string; status: string; lat?: number; lon?: number; dispatchId: string | null }
type PlacedUnit = Unit & { lat: number; lon: number };

/**
 * Ambulance dispatches: unit, ETA, status, and the route on a plain SVG map (no tiles, no network):
 * positions are projected equirectangularly around the route, which is exact enough at city scale.
 */
export class DispatchPage {
  readonly el: HTMLElement;
  private readonly list: HTMLElement;
  private readonly map: HTMLElement;
  private timer: number | undefined;
  private selected: string | undefined;

  constructor() {
    this.list = h('div', { class: 'dispatch-list' });
    this.map = h('div', { class: 'dispatch-map' });
    this.el = h('section', { class: 'dispatch' }, h('h2', {}, 'Ambulance dispatch'), h('div', { class: 'columns' }, this.list, this.map));
  }

  open(): void {
    void this.refresh();
    this.timer = window.setInterval(() => void this.refresh(), 3_000);
  }

  close(): void {
    window.clearInterval(this.timer);
  }

  private async refresh(): Promise<void> {
    try {
      const [dispatches, units] = await Promise.all([api<DispatchView[]>('/api/dispatches?state=all&limit=50'), api<Unit[]>('/api/units')]);
      this.renderList(dispatches);
      const chosen = this.selected ?? dispatches[0]?.dispatchId;
      if (chosen) this.renderMap(await api<DispatchDetail>(`/api/dispatches/${q(chosen)}`), units);
      else this.map.replaceChildren(h('p', {}, 'No dispatch yet: an ambulance is sent when a patient outside hospital deteriorates.'));
    } catch (error) {
      this.list.replaceChildren(h('p', { class: 'refused', role: 'alert' }, error instanceof Error ? error.message : String(error)));
    }
  }

  private renderList(dispatches: DispatchView[]): void {
    const rows = dispatches.map((d) => {
      const button = h('button', { type: 'button', 'aria-pressed': String(d.dispatchId === this.selected) }, 'Show route');
      button.addEventListener('click', () => {
        this.selected = d.dispatchId;
        void this.refresh();
      });
      return h(
        'tr',
        {},
        h('td', {}, d.patientId),
        h('td', {}, d.unitId ?? '—'),
        h('td', { class: `status-${d.status}` }, d.status),
        h('td', {}, d.etaSeconds === null ? '—' : formatAge(d.etaSeconds * 1000)),
        h('td', {}, formatTime(d.createdAt)),
        h('td', {}, button),
      );
    });
    this.list.replaceChildren(
      h('table', {}, h('caption', {}, 'Dispatches, newest first'), h('thead', {}, h('tr', {}, ...['Patient', 'Unit', 'Status', 'ETA', 'Created', ''].map((t) => h('th', { scope: 'col' }, t)))), h('tbody', {}, ...rows)),
    );
  }

  private renderMap(d: DispatchDetail, allUnits: Unit[]): void {
    const units = allUnits.filter((u): u is PlacedUnit => typeof u.lat === 'number' && typeof u.lon === 'number');
    const route = d.route ?? [];
    const points: [number, number][] = [...route, [d.location.lat, d.location.lon], ...units.map((u): [number, number] => [u.lat, u.lon])];
    const lats = points.map((p) => p[0]);
    const lons = points.map((p) => p[1]);
    const [minLat, maxLat, minLon, maxLon] = [Math.min(...lats), Math.max(...lats), Math.min(...lons), Math.max(...lons)];
    const W = 480;
    const H = 360;
    const pad = 24;
    const cos = Math.cos(((minLat + maxLat) / 2) * (Math.PI / 180));
    const scale = Math.min((W - 2 * pad) / Math.max(1e-6, (maxLon - minLon) * cos), (H - 2 * pad) / Math.max(1e-6, maxLat - minLat));
    const x = (lon: number) => pad + (lon - minLon) * cos * scale;
    const y = (lat: number) => H - pad - (lat - minLat) * scale;
    const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'map', role: 'img', 'aria-label': `Route of ${d.unitId ?? 'no unit'} to ${d.patientId}: ${d.status}, ETA ${d.etaSeconds === null ? 'unknown' : formatAge(d.etaSeconds * 1000)}` });
    svg.append(s('rect', { x: 0, y: 0, width: W, height: H, class: 'map-bg' }));
    if (route.length > 1) svg.append(s('polyline', { points: route.map(([lat, lon]) => `${x(lon).toFixed(1)},${y(lat).toFixed(1)}`).join(' '), class: 'route' }));
    for (const u of units) {
      svg.append(s('circle', { cx: x(u.lon), cy: y(u.lat), r: u.unitId === d.unitId ? 8 : 5, class: u.unitId === d.unitId ? 'unit unit-assigned' : 'unit' }), s('text', { x: x(u.lon) + 10, y: y(u.lat) + 4, class: 'map-label' }, `${u.unitId} (${u.status})`));
    }
    svg.append(s('rect', { x: x(d.location.lon) - 7, y: y(d.location.lat) - 7, width: 14, height: 14, class: 'patient-pin' }), s('text', { x: x(d.location.lon) + 10, y: y(d.location.lat) - 8, class: 'map-label' }, d.patientId));
    this.map.replaceChildren(
      h('h3', {}, `${d.unitId ?? 'No unit yet'} → ${d.patientId}`),
      h('p', {}, `Status ${d.status}; ETA ${d.etaSeconds === null ? '—' : formatAge(d.etaSeconds * 1000)}; ${d.distanceMetres === null ? '' : `${(d.distanceMetres / 1000).toFixed(1)} km; `}${d.news2.summary}`),
      svg,
      h('p', { class: 'legend' }, '■ patient  ● assigned unit  • other units  — route'),
    );
  }
}
