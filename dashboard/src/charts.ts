import { s } from './dom';

/** A sparkline's points for `values` in a width × height box (no axes; the tile shows the number). */
export function sparklinePoints(values: readonly number[], width: number, height: number): string {
  if (values.length < 2) return '';
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const span = max - min || 1;
  const step = width / (values.length - 1);
  let points = '';
  for (let i = 0; i < values.length; i++) {
    const y = height - 1 - ((values[i]! - min) / span) * (height - 2);
    points += `${(i * step).toFixed(1)},${y.toFixed(1)} `;
  }
  return points;
}

export interface Series {
  readonly label: string;
  readonly points: readonly { readonly t: number; readonly v: number }[];
}

/**
 * A line chart as SVG with a y axis (min, max) and a time axis (from, to). Time runs left to
 * right over [from, to]; gaps longer than `gapMs` break the line, so missing data shows as missing.
 */
export function lineChart(series: Series, from: number, to: number, options: { unit: string; gapMs: number; title: string }): SVGSVGElement {
  const W = 640;
  const H = 160;
  const left = 48;
  const bottom = 22;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': options.title });
  const values = series.points.map((p) => p.v);
  if (values.length === 0) {
    svg.append(s('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'chart-empty' }, 'no data in this range'));
    return svg;
  }
  let min = Math.min(...values);
  let max = Math.max(...values);
  if (min === max) {
    min -= 1;
    max += 1;
  }
  const x = (t: number) => left + ((t - from) / Math.max(1, to - from)) * (W - left - 8);
  const y = (v: number) => 8 + (1 - (v - min) / (max - min)) * (H - bottom - 16);
  svg.append(
    s('line', { x1: left, y1: H - bottom, x2: W - 8, y2: H - bottom, class: 'axis' }),
    s('line', { x1: left, y1: 8, x2: left, y2: H - bottom, class: 'axis' }),
    s('text', { x: left - 6, y: y(max) + 4, 'text-anchor': 'end', class: 'tick' }, round(max)),
    s('text', { x: left - 6, y: y(min) + 4, 'text-anchor': 'end', class: 'tick' }, round(min)),
    s('text', { x: left, y: H - 4, class: 'tick' }, clock(from)),
    s('text', { x: W - 8, y: H - 4, 'text-anchor': 'end', class: 'tick' }, clock(to)),
  );
  let d = '';
  let last: number | undefined;
  for (const p of series.points) {
    d += `${last === undefined || p.t - last > options.gapMs ? 'M' : 'L'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`;
    last = p.t;
  }
  svg.append(s('path', { d, class: 'line' }));
  return svg;
}

function round(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : String(Math.round(v * 10) / 10);
}

function clock(ms: number): string {
  return new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}
