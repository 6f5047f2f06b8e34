import { BridgeConfig } from './config';
import { DiskBuffer } from './disk-buffer';
import { GatewayPublisher } from './gateway-publisher';
import { PortReader } from './port-reader';
import { toDeviceMessage } from './reading-message';
import { redactUrl } from './runtime-errors';

/**
 * The firmware bridge: every configured serial port read through its PortReader, every good frame
 * from a device mapped to that port turned into a device message, stored in the disk buffer and
 * published by the gateway's MQTT session. Corrupt frames (BRIDGE_E_CRC/FRAME/VERSION/FIELD) and
 * rejected ones (BRIDGE_E_DEVICE, BRIDGE_E_READING) are counted and logged, never published.
 * Logs carry device ids, codes and counts only, never measurement values.
 */
export interface BridgeLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface BridgeStats {
  /** frames that decoded, from a device mapped to their port, with a valid reading */
  readonly framesOk: number;
  /** frames the codec refused, by code (checksum, syntax, version, field) */
  readonly corrupt: number;
  readonly corruptByCode: Readonly<Record<string, number>>;
  /** valid frames refused: unknown device on that port, or a reading outside the catalogue */
  readonly rejected: number;
  /** readings the broker acknowledged */
  readonly published: number;
  /** readings stored and not yet acknowledged */
  readonly buffered: number;
  /** readings dropped by the full-buffer policy (oldest first) */
  readonly dropped: number;
  readonly connected: boolean;
  readonly portsOpen: number;
  /** reopenings of ports after they went away */
  readonly reopens: number;
}

export interface BridgeTuning {
  readonly reopenDelayMs?: number;
  readonly maxReopenDelayMs?: number;
  readonly reconnectPeriodMs?: number;
}

const silentLog: BridgeLog = { info: () => undefined, warn: () => undefined };

export class FirmwareBridge {
  private readonly buffer: DiskBuffer;
  private readonly publisher: GatewayPublisher;
  private readonly readers: PortReader[];
  private framesOk = 0;
  private rejected = 0;
  private readonly corruptByCode: Record<string, number> = {};

  constructor(
    private readonly config: BridgeConfig,
    private readonly log: BridgeLog = silentLog,
    tuning: BridgeTuning = {},
  ) {
    this.buffer = new DiskBuffer({ dir: config.bufferDir, maxReadings: config.bufferMaxReadings, maxBytes: config.bufferMaxBytes });
    const { url } = config.broker;
    this.publisher = new GatewayPublisher(
      this.buffer,
      { ...config.broker, maxInFlight: config.maxInFlight, ...(tuning.reconnectPeriodMs !== undefined ? { reconnectPeriodMs: tuning.reconnectPeriodMs } : {}) },
      {
        connected: () => log.info(`connected to ${redactUrl(url)} as ${config.broker.clientId}; ${this.buffer.size} readings waiting`),
        disconnected: (reason) => log.warn(`broker ${redactUrl(url)} unavailable (${reason}); buffering readings on disk`),
      },
    );
    this.readers = config.ports.map((port) => {
      const allowed = new Set(port.devices);
      let lastLoss: string | undefined;
      return new PortReader(
        { path: port.path, baudRate: port.baudRate, reopenDelayMs: tuning.reopenDelayMs, maxReopenDelayMs: tuning.maxReopenDelayMs },
        {
          frame: (frame) => {
            if (!allowed.has(frame.deviceId)) {
              this.rejected += 1;
              return log.warn(`BRIDGE_E_DEVICE: ${port.path}: frame from device ${frame.deviceId}, which is not mapped to this port; not published`);
            }
            const converted = toDeviceMessage(frame);
            if ('problem' in converted) {
              this.rejected += 1;
              return log.warn(`BRIDGE_E_READING: ${port.path}: device ${frame.deviceId} seq ${frame.seq}: ${converted.problem}; not published`);
            }
            this.framesOk += 1;
            const dropped = this.publisher.enqueue(frame.deviceId, JSON.stringify(converted.message));
            if (dropped > 0) log.warn(`buffer full (${config.bufferMaxReadings} readings / ${config.bufferMaxBytes} bytes): dropped the ${dropped} oldest`);
          },
          corrupt: (code, excerpt) => {
            this.corruptByCode[code] = (this.corruptByCode[code] ?? 0) + 1;
            log.warn(`${code}: ${port.path}: corrupt frame "${excerpt}" discarded`);
          },
          opened: () => {
            lastLoss = undefined;
            log.info(`${port.path}: open at ${port.baudRate} baud for ${port.devices.join(', ')}`);
          },
          lost: (reason, delayMs) => {
            // An absent port is retried for as long as it takes: log a change, not every attempt.
            if (reason !== lastLoss) log.warn(`${port.path}: unavailable (${reason}); retrying, next in ${delayMs} ms`);
            lastLoss = reason;
          },
        },
      );
    });
  }

  start(): void {
    this.publisher.start();
    for (const reader of this.readers) reader.start();
  }

  stats(): BridgeStats {
    const corrupt = Object.values(this.corruptByCode).reduce((sum, n) => sum + n, 0);
    return {
      framesOk: this.framesOk,
      corrupt,
      corruptByCode: { ...this.corruptByCode },
      rejected: this.rejected,
      published: this.publisher.published,
      buffered: this.buffer.size,
      dropped: this.buffer.dropped,
      connected: this.publisher.connected,
      portsOpen: this.readers.filter((reader) => reader.isOpen).length,
      reopens: this.readers.reduce((sum, reader) => sum + Math.max(0, reader.opens - 1), 0),
    };
  }

  /**
   * Stops reading, waits up to drainTimeoutMs for the buffer to be delivered, then closes the
   * session and the buffer. What is still unacknowledged stays on disk for the next start.
   */
  async stop(drainTimeoutMs = 0): Promise<BridgeStats> {
    await Promise.all(this.readers.map((reader) => reader.stop()));
    if (drainTimeoutMs > 0 && this.publisher.connected) await this.publisher.drain(drainTimeoutMs);
    await this.publisher.stop();
    const final = this.stats();
    this.buffer.close();
    return final;
  }
}
