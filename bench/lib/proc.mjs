// CPU and resident memory of a process, read from /proc/<pid>/stat and /proc/<pid>/status (Linux,
// proc(5)): utime + stime in clock ticks (fields 14 and 15), VmRSS and VmHWM in kB.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond;
function clockTicks() {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

function read(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces: count fields after its closing parenthesis
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / clockTicks();
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { at: performance.now(), cpuSeconds, rssMb: kb('VmRSS') / 1024 };
  } catch {
    return undefined; // the process is gone
  }
}

/**
 * Samples a process every `everyMs` until stopped; `stop()` returns CPU use as a share of one core
 * (1.0 = one core busy) over the whole window and the peak and mean resident memory.
 */
export function sampleProcess(pid, everyMs = 500) {
  const first = read(pid);
  const samples = first ? [first] : [];
  const timer = setInterval(() => {
    const s = read(pid);
    if (s) samples.push(s);
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      const last = read(pid);
      if (last) samples.push(last);
      if (samples.length < 2) return { cpuCores: null, rssPeakMb: null, rssMeanMb: null, samples: samples.length };
      const a = samples[0];
      const b = samples[samples.length - 1];
      const rss = samples.map((s) => s.rssMb);
      return {
        cpuCores: round((b.cpuSeconds - a.cpuSeconds) / ((b.at - a.at) / 1000), 2),
        rssPeakMb: round(Math.max(...rss), 1),
        rssMeanMb: round(rss.reduce((x, y) => x + y, 0) / rss.length, 1),
        samples: samples.length,
      };
    },
  };
}

export const round = (v, digits = 0) => (v === null || v === undefined || !Number.isFinite(v) ? null : Math.round(v * 10 ** digits) / 10 ** digits);

/** p50/p99/max of a list of numbers (ms), nearest rank. */
export function percentiles(values) {
  if (values.length === 0) return { p50: null, p99: null, max: null, samples: 0 };
  const sorted = Float64Array.from(values).sort();
  const at = (q) => round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))], 1);
  return { p50: at(0.5), p99: at(0.99), max: round(sorted[sorted.length - 1], 1), samples: sorted.length };
}
