// Hand-written SVG line charts for the Markdown report: no dependency, readable on GitHub and in any
// browser. x on a log scale when it spans more than a decade (offered load, device count).
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
const W = 640;
const H = 360;
const M = { left: 70, right: 170, top: 40, bottom: 50 };

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const label = (v) => (v >= 10_000 ? `${Math.round(v / 1000)}k` : v >= 1000 ? `${(v / 1000).toFixed(1).replace(/\.0$/, '')}k` : String(Math.round(v * 10) / 10));

function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((m) => m >= v);
}

/**
 * series: [{ name, points: [[x, y], ...], dashed? }]; marks: [{ x, text }] vertical markers (the knee).
 * Returns the SVG document as a string.
 */
export function lineChart({ title, xLabel, yLabel, series, marks = [] }) {
  const pts = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xs = pts.map(([x]) => x);
  const xMin = Math.min(...xs, Infinity);
  const xMax = Math.max(...xs, -Infinity);
  const logX = xMin > 0 && xMax / xMin > 10;
  const yMax = niceMax(Math.max(...pts.map(([, y]) => y), 0));
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const sx = (x) => {
    if (!(xMax > xMin)) return M.left + pw / 2;
    return M.left + (logX ? (Math.log(x) - Math.log(xMin)) / (Math.log(xMax) - Math.log(xMin)) : (x - xMin) / (xMax - xMin)) * pw;
  };
  const sy = (y) => M.top + ph - (y / yMax) * ph;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const y = (yMax * i) / 5;
    out.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${sy(y)}" y2="${sy(y)}" stroke="#ddd"/>`);
    out.push(`<text x="${M.left - 6}" y="${sy(y) + 4}" text-anchor="end">${label(y)}</text>`);
  }
  const ticks = [...new Set(xs)].sort((a, b) => a - b);
  for (const x of ticks) out.push(`<text x="${sx(x)}" y="${M.top + ph + 18}" text-anchor="middle">${label(x)}</text>`);
  out.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${M.top + ph}" y2="${M.top + ph}" stroke="#333"/>`);
  out.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + ph}" stroke="#333"/>`);
  out.push(`<text x="${M.left + pw / 2}" y="${H - 10}" text-anchor="middle">${esc(xLabel)}${logX ? ' (log scale)' : ''}</text>`);
  out.push(`<text transform="translate(16 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`);
  for (const m of marks) {
    out.push(`<line x1="${sx(m.x)}" x2="${sx(m.x)}" y1="${M.top}" y2="${M.top + ph}" stroke="#999" stroke-dasharray="3 3"/>`);
    out.push(`<text x="${sx(m.x) + 3}" y="${M.top + 12}" fill="#666">${esc(m.text)}</text>`);
  }
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const p = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (p.length > 1) out.push(`<polyline fill="none" stroke="${colour}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''} points="${p.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ')}"/>`);
    for (const [x, y] of p) out.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3" fill="${colour}"/>`);
    const ly = M.top + 10 + i * 18;
    out.push(`<line x1="${W - M.right + 10}" x2="${W - M.right + 30}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    out.push(`<text x="${W - M.right + 35}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
