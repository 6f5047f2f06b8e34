/**
 * Wall-clock time and timers, injected so that escalation (which runs on the hospital's clock, not
 * the device's: people acknowledge in wall time) can be driven step by step in tests.
 */
export interface AlertsClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const ALERTS_CLOCK = Symbol('ALERTS_CLOCK');

export const systemClock: AlertsClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const timer = setTimeout(callback, ms);
    // A pending escalation must not keep a stopping process alive; its due time is in SQLite.
    timer.unref();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** A clock that moves only when told to; `advance` runs the timers that fall due, in due order. */
export class ManualClock implements AlertsClock {
  private timers: { due: number; callback: () => void; id: number }[] = [];
  private nextId = 1;

  constructor(private current = 0) {}

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.push({ due: this.current + Math.max(0, ms), callback, id });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  /** Moves time forward by `ms`, firing each due timer at its own time. */
  advance(ms: number): void {
    const until = this.current + ms;
    for (;;) {
      const next = this.timers.filter((t) => t.due <= until).sort((a, b) => a.due - b.due || a.id - b.id)[0];
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.current = Math.max(this.current, next.due);
      next.callback();
    }
    this.current = until;
  }

  pendingTimers(): number {
    return this.timers.length;
  }
}
