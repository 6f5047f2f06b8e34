import { SerialPort } from 'serialport';
import { BridgeErrorCode } from './errors';
import { FrameDecoder, FrameReading } from './frame';

/**
 * One serial port, kept open: bytes go through a FrameDecoder, frames and decoding errors go to the
 * callbacks. A port that fails to open or disappears (USB cable pulled, the pty's other end gone)
 * is reopened with exponential backoff until stop(); nothing else needs to notice.
 */
export interface PortReaderOptions {
  readonly path: string;
  readonly baudRate: number;
  /** first wait before reopening, ms; doubles per failed attempt up to maxReopenDelayMs */
  readonly reopenDelayMs?: number;
  readonly maxReopenDelayMs?: number;
}

export interface PortReaderEvents {
  frame(frame: FrameReading): void;
  /** a frame the codec refused (syntax, CRC, version, field); excerpt holds no measurement values */
  corrupt(code: BridgeErrorCode, excerpt: string): void;
  /** the port opened (first time or again) */
  opened(): void;
  /** the port could not be opened, or went away; the reader retries after delayMs */
  lost(reason: string, delayMs: number): void;
}

export const DEFAULT_REOPEN_DELAY_MS = 250;
export const DEFAULT_MAX_REOPEN_DELAY_MS = 10_000;

export class PortReader {
  private port: SerialPort | undefined;
  private decoder = new FrameDecoder();
  private retryTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private stopped = false;
  private openCount = 0;

  constructor(
    private readonly options: PortReaderOptions,
    private readonly events: PortReaderEvents,
  ) {}

  get path(): string {
    return this.options.path;
  }

  get isOpen(): boolean {
    return this.port?.isOpen ?? false;
  }

  /** How many times the port was opened (1 + reopenings). */
  get opens(): number {
    return this.openCount;
  }

  /** Bytes discarded as line noise (outside any frame) since the port was last opened. */
  get noiseBytes(): number {
    return this.decoder.discardedBytes;
  }

  start(): void {
    this.stopped = false;
    this.open();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  private open(): void {
    if (this.stopped) return;
    const port = new SerialPort({ path: this.options.path, baudRate: this.options.baudRate, autoOpen: false });
    this.port = port;
    port.on('data', (chunk: Buffer) => this.deliver(this.decoder.push(chunk)));
    // Without a listener an 'error' would throw; a failing port also closes, which reopens it.
    port.on('error', () => undefined);
    port.on('close', (error: (Error & { disconnected?: boolean }) | null) => {
      if (this.port !== port) return; // stop() closed it
      this.deliver(this.decoder.end());
      this.retry(error?.message ?? 'closed');
    });
    port.open((error) => {
      if (this.port !== port) {
        if (!error) port.close();
        return;
      }
      if (error) return this.retry(error.message);
      this.attempt = 0;
      this.openCount += 1;
      // A frame that began before the port opened cannot be trusted: start hunting for `$` afresh.
      this.decoder = new FrameDecoder();
      this.events.opened();
    });
  }

  private retry(reason: string): void {
    if (this.stopped) return;
    this.port?.removeAllListeners('data');
    this.port = undefined;
    const base = this.options.reopenDelayMs ?? DEFAULT_REOPEN_DELAY_MS;
    const delay = Math.min(base * 2 ** this.attempt, this.options.maxReopenDelayMs ?? DEFAULT_MAX_REOPEN_DELAY_MS);
    this.attempt += 1;
    this.events.lost(reason, delay);
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  private deliver(items: ReturnType<FrameDecoder['push']>): void {
    for (const item of items) {
      if (item.kind === 'frame') this.events.frame(item.frame);
      else this.events.corrupt(item.code, item.excerpt);
    }
  }
}
