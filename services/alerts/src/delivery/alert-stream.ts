import { BeforeApplicationShutdown, Inject, Injectable, MessageEvent, OnModuleDestroy } from '@nestjs/common';
import { Observable, Subject, concat, defer, filter, finalize, from, interval, map, merge, takeUntil } from 'rxjs';
import { DELIVERY_OPTIONS, ResolvedDeliveryOptions } from './delivery.config';
import { DeliveryStore, StreamEntry } from './delivery-store';

/** SSE event type of an alert event (`data` is the AlertEvent as JSON). */
export const STREAM_ALERT_EVENT = 'alert';
/**
 * SSE event type telling a client that events it missed are no longer kept (or that its
 * Last-Event-ID is not from this server): it reloads `GET /api/alerts` and reads on from here.
 */
export const STREAM_RESET_EVENT = 'reset';

export interface StreamRequest {
  /** the Last-Event-ID the client sent; absent: live events from now on */
  readonly lastEventId?: number;
  /** only this patient's events */
  readonly patientId?: string;
}

/**
 * The dashboard's live stream of alert events (WHATWG HTML, "Server-sent events"): every event
 * carries `id: <seq>`; an EventSource that reconnects sends the last id it saw as Last-Event-ID
 * and gets what it missed from the recent buffer (in SQLite, so it survives a restart), then live
 * events. A comment line every `heartbeatMs` keeps proxies from closing an idle connection and lets
 * the server notice a client that left.
 */
@Injectable()
export class AlertStream implements OnModuleDestroy, BeforeApplicationShutdown {
  private readonly live = new Subject<StreamEntry>();
  private readonly closing = new Subject<void>();
  private clients = 0;

  constructor(
    private readonly store: DeliveryStore,
    @Inject(DELIVERY_OPTIONS) private readonly options: ResolvedDeliveryOptions,
  ) {}

  /** Called once an entry is committed, in the same tick (see AlertDeliveryService). */
  publish(entry: StreamEntry): void {
    this.live.next(entry);
  }

  get connectedClients(): number {
    return this.clients;
  }

  open(request: StreamRequest): Observable<MessageEvent> {
    const matches = (entry: StreamEntry) => request.patientId === undefined || entry.patientId === request.patientId;
    return defer(() => {
      this.clients++;
      // A comment first: the headers go out at once (Nest sends them with the first message).
      const head: MessageEvent[] = [{ comment: 'connected' }];
      const { oldest, latest } = this.store.streamBounds();
      const since = request.lastEventId;
      if (since !== undefined) {
        if (since > latest || since < oldest - 1) {
          head.push({ type: STREAM_RESET_EVENT, id: String(latest), data: { reason: since > latest ? 'unknown-id' : 'gap', latest } });
        } else {
          for (const entry of this.store.streamSince(since, this.options.stream.bufferSize)) if (matches(entry)) head.push(toMessage(entry));
        }
      }
      // Reading the buffer and subscribing happen in one synchronous step, and entries are
      // published in the tick that committed them: nothing falls between replay and live.
      const liveEvents = this.live.pipe(
        filter((entry) => entry.seq > latest && matches(entry)),
        map(toMessage),
      );
      const heartbeats = interval(this.options.stream.heartbeatMs).pipe(map((): MessageEvent => ({ comment: 'heartbeat' })));
      return concat(from(head), merge(liveEvents, heartbeats)).pipe(
        takeUntil(this.closing),
        finalize(() => this.clients--),
      );
    });
  }

  /** Ends every open stream so the HTTP server can close (EventSources reconnect to the next run). */
  onModuleDestroy(): void {
    this.closing.next();
    this.live.complete();
  }

  /**
   * The ended responses flush before the HTTP server closes: a connection still busy then would be
   * left to its keep-alive timeout, holding the shutdown back by seconds.
   */
  async beforeApplicationShutdown(): Promise<void> {
    for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

function toMessage(entry: StreamEntry): MessageEvent {
  // `data` as a string: it is the stored JSON, sent as it was written.
  return { type: STREAM_ALERT_EVENT, id: String(entry.seq), data: entry.data };
}
