// Watches an embedded PulseProof from outside its process, through its own SQLite files (WAL lets
// readers in beside the writer), to tell when each reading was evaluated for alerts and
// anchored. The reading's deviceTime is the generator's publish time (simulators' load generator,
// same machine clock), so:
//   publish -> alert-evaluated = when the alerts group's committed offset passed the reading - deviceTime
//     (seen by polling every POLL_MS: the figure is late by up to POLL_MS, never early). The observer
//     is a consumer group of its own ('bench-observer', its offset committed as it reads), so the
//     bus's pruning, which keeps what any group has not passed, never deletes a reading before it is seen.
//   publish -> anchored        = anchor.sqlite batches.anchored_at - leaves.device_time (exact)
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import contracts from '@pulseproof/contracts';

const { busTopics } = contracts;
export const POLL_MS = 100;
const GROUP = 'bench-observer';

function find(dir, name) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (entry === name) return path;
    if (statSync(path).isDirectory()) {
      const found = find(path, name);
      if (found) return found;
    }
  }
  return undefined;
}

export class PipelineObserver {
  constructor(dataDir) {
    const busFile = join(dataDir, 'bus.sqlite');
    const anchorFile = find(dataDir, 'anchor.sqlite');
    if (!existsSync(busFile) || !anchorFile) throw new Error(`no bus.sqlite or anchor.sqlite under ${dataDir}`);
    this.bus = new Database(busFile, { fileMustExist: true });
    this.bus.pragma('busy_timeout = 5000');
    this.anchor = new Database(anchorFile, { readonly: true, fileMustExist: true });
    this.groupNext = this.bus.prepare('SELECT next_offset AS n FROM group_offsets WHERE grp = ? AND topic = ?');
    this.passed = this.bus.prepare(
      "SELECT json_extract(value, '$.deviceTime') AS t FROM messages WHERE topic = ? AND offset >= ? AND offset < ?",
    );
    this.lagOf = this.bus.prepare(
      `SELECT COUNT(*) AS n FROM messages WHERE topic = ? AND offset >= COALESCE((SELECT next_offset FROM group_offsets WHERE grp = ? AND topic = ?), 0)`,
    );
    /** deviceTime and when it was seen evaluated, for every reading the alerts group passed */
    this.evaluated = [];
    this.alertsSeen = this.groupNext.get('alerts', busTopics.readings)?.n ?? 0;
    this.bus.prepare('INSERT OR REPLACE INTO group_offsets (grp, topic, next_offset) VALUES (?, ?, ?)').run(GROUP, busTopics.readings, this.alertsSeen);
    this.commit = this.bus.prepare('UPDATE group_offsets SET next_offset = ? WHERE grp = ? AND topic = ?');
  }

  start() {
    this.timer = setInterval(() => this.poll(), POLL_MS);
  }

  poll() {
    const next = this.groupNext.get('alerts', busTopics.readings)?.n ?? 0;
    if (next <= this.alertsSeen) return;
    const now = Date.now();
    const rows = this.passed.all(busTopics.readings, this.alertsSeen, next);
    for (const { t } of rows) if (typeof t === 'number') this.evaluated.push(t, now);
    this.alertsSeen = next;
    this.commit.run(next, GROUP, busTopics.readings);
  }

  lag(group) {
    return this.lagOf.get(busTopics.readings, group, busTopics.readings).n;
  }

  /** publish -> evaluated latencies (ms) of readings published in [from, to] */
  evaluatedIn(from, to) {
    const out = [];
    for (let i = 0; i < this.evaluated.length; i += 2) {
      const t = this.evaluated[i];
      if (t >= from && t <= to) out.push(this.evaluated[i + 1] - t);
    }
    return out;
  }

  /** publish -> anchored latencies (ms) of readings published in [from, to] whose batch is on chain */
  anchoredIn(from, to) {
    return this.anchor
      .prepare(
        `SELECT b.anchored_at - l.device_time AS ms FROM leaves l JOIN batches b ON b.id = l.batch_id
         WHERE l.device_time BETWEEN ? AND ? AND b.status IN ('confirmed', 're-anchored') AND b.anchored_at IS NOT NULL`,
      )
      .all(from, to)
      .map((r) => r.ms);
  }

  /** readings published in [from, to] that anchor has not yet put in a batch on chain */
  notAnchoredIn(from, to) {
    return this.anchor
      .prepare(
        `SELECT COUNT(*) AS n FROM leaves l LEFT JOIN batches b ON b.id = l.batch_id
         WHERE l.device_time BETWEEN ? AND ? AND (b.id IS NULL OR b.status NOT IN ('confirmed', 're-anchored'))`,
      )
      .get(from, to).n;
  }

  close() {
    clearInterval(this.timer);
    this.bus.prepare('DELETE FROM group_offsets WHERE grp = ?').run(GROUP);
    this.bus.close();
    this.anchor.close();
  }
}
