import { HttpError, InfluxDB, Point, SendOptions, Transport, WriteApi, canRetryHttpCall, setLogger } from '@influxdata/influxdb-client';
import { INFLUX_DEFAULTS, InfluxReadingStoreOptions } from './influx-options';
import { InfluxSeries } from './influx-schema';

export interface StatementResult {
  readonly series?: readonly InfluxSeries[];
  readonly error?: string;
}

// The client logs failed writes with InfluxDB's answer, which may quote the line protocol (patient
// ids, values). The store reports failures itself, through describeInfluxError.
setLogger({ error: () => undefined, warn: () => undefined });

/** An error for logs and health: status and reason, with quoted input (patient data) left out. */
export function describeInfluxError(error: unknown): string {
  const text = error instanceof HttpError ? `InfluxDB answered ${error.statusCode}: ${error.json?.error ?? error.message}` : error instanceof Error ? error.message : String(error);
  return text.replace(/'[^']*'/g, "'…'").replace(/"[^"]*"/g, '"…"').slice(0, 300);
}

/** An error InfluxDB reported for a query: not retried (the statement itself is wrong). */
export class InfluxQueryError extends Error {}

/**
 * The two HTTP conversations with InfluxDB, through @influxdata/influxdb-client's transport:
 * writes (line protocol, gzip above a threshold, retried with exponential backoff) and InfluxQL
 * reads over /query, which InfluxDB 1.x, 2.x (v1 compatibility) and 3.x all serve.
 */
export class InfluxHttp {
  private readonly client: InfluxDB;
  private readonly writeApi: WriteApi;
  private readonly queryParams: URLSearchParams;
  private readonly settings: Required<Pick<InfluxReadingStoreOptions, 'maxRetries' | 'minRetryDelayMs' | 'maxRetryDelayMs'>>;
  private closed = false;

  constructor(options: InfluxReadingStoreOptions, maxLines: number) {
    const headers: Record<string, string> = {};
    if (options.api === 'v1' && options.username !== undefined) {
      headers['authorization'] = `Basic ${Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64')}`;
    }
    const base = new InfluxDB({
      url: options.url,
      timeout: options.timeoutMs ?? INFLUX_DEFAULTS.timeoutMs,
      headers,
      ...(options.api === 'v2' && options.token !== undefined && { token: options.token }),
    });
    const transport = options.api === 'v1' ? new V1WritePath(base.transport, v1WritePath(options)) : base.transport;
    this.client = new InfluxDB({ url: options.url, transport });
    // The store batches, looks up and retries itself: the client sends exactly the lines of one
    // flush (no timer, no background retry buffer whose outcome no promise would report).
    this.writeApi = this.client.getWriteApi(options.org ?? '', options.bucket ?? '', 'ns', {
      batchSize: maxLines + 1,
      maxBatchBytes: 1 << 30,
      flushInterval: 0,
      maxRetries: 0,
      gzipThreshold: options.gzipThreshold ?? INFLUX_DEFAULTS.gzipThreshold,
    });
    const database = options.database ?? options.bucket ?? '';
    this.queryParams = new URLSearchParams({ db: database, epoch: 'ms' });
    if (options.retentionPolicy) this.queryParams.set('rp', options.retentionPolicy);
    this.settings = {
      maxRetries: options.maxRetries ?? INFLUX_DEFAULTS.maxRetries,
      minRetryDelayMs: options.minRetryDelayMs ?? INFLUX_DEFAULTS.minRetryDelayMs,
      maxRetryDelayMs: options.maxRetryDelayMs ?? INFLUX_DEFAULTS.maxRetryDelayMs,
    };
  }

  /** resolves once InfluxDB answered 204 for every point (after retries), rejects otherwise */
  write(points: readonly Point[]): Promise<void> {
    return this.withRetries(async () => {
      this.writeApi.writePoints(points);
      await this.writeApi.flush();
    });
  }

  /** runs the statements in one request; one result per statement, in order */
  async query(statements: readonly string[]): Promise<StatementResult[]> {
    const body = new URLSearchParams(this.queryParams);
    body.set('q', statements.join(';\n'));
    const response = (await this.withRetries(() =>
      this.client.transport.request('/query', body.toString(), QUERY_SEND_OPTIONS),
    )) as { results?: (StatementResult & { statement_id?: number })[]; error?: string } | undefined;
    if (response?.error) throw new InfluxQueryError(`InfluxDB refused the query: ${response.error}`);
    const results = response?.results ?? [];
    const failed = results.find((r) => r.error);
    if (failed) throw new InfluxQueryError(`InfluxDB refused the query: ${failed.error}`);
    return statements.map((_, i) => results.find((r) => r.statement_id === i) ?? results[i] ?? {});
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.writeApi.close();
  }

  /** network errors, 429 and 5xx are retried with exponential backoff and jitter; Retry-After wins */
  private async withRetries<T>(attempt: () => Promise<T>): Promise<T> {
    for (let failures = 0; ; failures += 1) {
      try {
        return await attempt();
      } catch (error) {
        if (this.closed || failures >= this.settings.maxRetries || !canRetryHttpCall(error)) throw error;
        const retryAfter = (error as { retryAfter?: () => number }).retryAfter?.() ?? 0;
        const backoff = Math.min(this.settings.minRetryDelayMs * 2 ** failures, this.settings.maxRetryDelayMs);
        const delay = retryAfter > 0 ? retryAfter : backoff / 2 + Math.random() * (backoff / 2);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}

const QUERY_SEND_OPTIONS: SendOptions = {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
};

function v1WritePath(options: InfluxReadingStoreOptions): string {
  const params = new URLSearchParams({ db: options.database ?? '', precision: 'ns' });
  if (options.retentionPolicy) params.set('rp', options.retentionPolicy);
  return `/write?${params}`;
}

/**
 * InfluxDB 1.x's write endpoint is /write?db=&rp=; the client's WriteApi speaks /api/v2/write.
 * The client takes a custom Transport (ClientOptions.transport), so this one forwards everything
 * and only points write requests at the v1 path: batching, gzip and errors stay the client's.
 */
class V1WritePath implements Transport {
  readonly chunkCombiner;

  constructor(
    private readonly inner: Transport,
    private readonly writePath: string,
  ) {
    this.chunkCombiner = inner.chunkCombiner;
  }

  send(...[path, ...rest]: Parameters<Transport['send']>): void {
    this.inner.send(path.startsWith('/api/v2/write') ? this.writePath : path, ...rest);
  }

  request(...args: Parameters<Transport['request']>): Promise<unknown> {
    return this.inner.request(...args);
  }

  iterate(...args: Parameters<Transport['iterate']>): AsyncIterableIterator<Uint8Array> {
    return this.inner.iterate(...args);
  }
}
