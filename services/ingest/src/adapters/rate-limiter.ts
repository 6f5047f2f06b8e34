export interface RateLimitOptions {
  /** sustained readings per second each device may publish */
  readonly perDevicePerSecond: number;
  /** readings a device may send at once after being quiet (the bucket's size) */
  readonly burst: number;
  /**
   * How long a publish past the budget may be held back, ms. Holding it delays the PUBACK and the
   * next read from the socket, which throttles the client (a QoS 1 client's in-flight window fills).
   * A publish that would wait longer is refused with INGEST_E_RATE_LIMITED instead. Default 2000.
   */
  readonly maxDelayMs?: number;
  /** ms clock; injectable so tests decide when tokens refill */
  readonly now?: () => number;
}

export const DEFAULT_MAX_RATE_DELAY_MS = 2_000;

/** `go`: now; `wait`: after `ms` (the token is already taken); `refuse`: over budget beyond the bound. */
export type RateDecision = { readonly kind: 'go' } | { readonly kind: 'wait'; readonly ms: number } | { readonly kind: 'refuse'; readonly retryInMs: number };

interface Bucket {
  /** may go negative: readings admitted to wait, each owed one token */
  tokens: number;
  at: number;
}

/**
 * One token bucket per key (a device id), refilled at `perDevicePerSecond` up to `burst`. A key
 * that overdraws gets a wait proportional to its debt, so a flooding device is paced by its own
 * acknowledgements and never takes budget from another device.
 */
export class DeviceRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly maxDelayMs: number;
  private readonly now: () => number;

  constructor(private readonly options: RateLimitOptions) {
    if (!(options.perDevicePerSecond > 0)) throw new Error('perDevicePerSecond must be > 0');
    if (!(options.burst >= 1)) throw new Error('burst must be >= 1');
    this.maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_RATE_DELAY_MS;
    this.now = options.now ?? Date.now;
  }

  take(key: string): RateDecision {
    const now = this.now();
    const { perDevicePerSecond: rate, burst } = this.options;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: burst, at: now };
      this.buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(burst, bucket.tokens + (Math.max(0, now - bucket.at) * rate) / 1000);
    bucket.at = now;
    const after = bucket.tokens - 1;
    if (after >= 0) {
      bucket.tokens = after;
      return { kind: 'go' };
    }
    const ms = Math.ceil((-after * 1000) / rate);
    if (ms > this.maxDelayMs) return { kind: 'refuse', retryInMs: ms - this.maxDelayMs };
    bucket.tokens = after;
    return { kind: 'wait', ms };
  }

  /** Forgets full buckets (a quiet device costs no memory); call now and then. */
  prune(): void {
    const now = this.now();
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.at) * this.options.perDevicePerSecond) / 1000 >= this.options.burst) this.buckets.delete(key);
    }
  }

  get size(): number {
    return this.buckets.size;
  }
}
