// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function and per part of the system.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

const AREAS = [
  ['anchor (leaf encoding, Merkle, batches)', /services\/anchor\//],
  ['alerts (NEWS2, rules, delivery)', /services\/alerts\//],
  ['ingest (decode, validate, store)', /services\/ingest\//],
  ['bus (SQLite log)', /packages\/bus\//],
  ['ethers (ABI encoding, keccak256)', /node_modules\/(ethers|@noble|@adraffy)/],
  ['aedes / MQTT packets', /node_modules\/(aedes|mqtt-packet|mqemitter|aedes-[a-z-]+|bl|readable-stream)\//],
  ['zod (validation)', /node_modules\/zod\//],
  ['NestJS / express', /node_modules\/(@nestjs|express|body-parser|router)\//],
  ['better-sqlite3', /node_modules\/better-sqlite3\//],
];

function areaOf(frame) {
  if (frame.url === '' || frame.url === undefined) {
    if (/^\((garbage collector|idle|program|root)\)$/.test(frame.functionName)) return frame.functionName;
    return 'native (V8 builtins, SQLite calls)';
  }
  for (const [name, pattern] of AREAS) if (pattern.test(frame.url)) return name;
  if (frame.url.startsWith('node:')) return 'Node.js core (net, streams, timers)';
  return 'other JavaScript';
}

/** Top `limit` functions by self time and the self time per area, in ms and % of the profile. */
export function summariseCpuProfile(file, limit = 15) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt);
  }
  const totalMs = [...self.values()].reduce((a, b) => a + b, 0);
  const functions = new Map();
  const areas = new Map();
  for (const [id, ms] of self) {
    const frame = byId.get(id).callFrame;
    const where = frame.url ? `${basename(frame.url)}:${frame.lineNumber + 1}` : '';
    const key = `${frame.functionName || '(anonymous)'} ${where}`.trim();
    const area = areaOf(frame);
    const f = functions.get(key) ?? { function: key, area, ms: 0 };
    f.ms += ms;
    functions.set(key, f);
    areas.set(area, (areas.get(area) ?? 0) + ms);
  }
  const pct = (ms) => Math.round((1000 * ms) / totalMs) / 10;
  const busyMs = totalMs - (areas.get('(idle)') ?? 0);
  return {
    totalMs: Math.round(totalMs),
    busyMs: Math.round(busyMs),
    top: [...functions.values()]
      .filter((f) => f.area !== '(idle)')
      .sort((a, b) => b.ms - a.ms)
      .slice(0, limit)
      .map((f) => ({ ...f, ms: Math.round(f.ms), percent: pct(f.ms) })),
    areas: [...areas.entries()].sort((a, b) => b[1] - a[1]).map(([area, ms]) => ({ area, ms: Math.round(ms), percent: pct(ms) })),
  };
}
