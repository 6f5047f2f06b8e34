import { MqttMessaging } from '@pulseproof/contracts';
import { AlertsError } from '../errors';
import { RetryPolicy } from './retry-policy';

/** Webhook endpoints that receive every alert event, signed (see webhook-signature.ts). */
export interface WebhookOptions {
  /** http(s) URLs; each gets every event */
  readonly urls: readonly string[];
  /** HMAC-SHA256 key shared with the receivers; at least 16 characters; never logged */
  readonly secret: string;
  /** one request's limit, ms (default 10 s) */
  readonly timeoutMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  /** requests in flight at once over all URLs (default 4) */
  readonly concurrency?: number;
}

/** The dashboard's live stream (`GET /api/alerts/stream`). */
export interface AlertStreamOptions {
  /** a comment line this often keeps proxies from closing an idle stream, ms (default 15 s) */
  readonly heartbeatMs?: number;
  /** events kept for resuming with Last-Event-ID (default 1,000) */
  readonly bufferSize?: number;
}

/** What AlertsModule.forRoot passes on to the delivery module. */
export interface AlertDeliveryOptions {
  /** folder of `alert-delivery.sqlite` */
  readonly dataDir: string;
  /** consoles over MQTT: the embedded broker, or a client of the external one; absent: no MQTT delivery */
  readonly messaging?: MqttMessaging;
  /** absent or no URLs: no webhook delivery */
  readonly webhooks?: WebhookOptions;
  readonly stream?: AlertStreamOptions;
  /** how MQTT publishes that fail are retried (the broker is local or on the LAN: short delays) */
  readonly mqttRetry?: Partial<RetryPolicy>;
}

export interface ResolvedWebhookOptions {
  readonly urls: readonly string[];
  readonly secret: string;
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  readonly concurrency: number;
}

export interface ResolvedDeliveryOptions {
  readonly dataDir: string;
  readonly messaging: MqttMessaging | undefined;
  readonly webhooks: ResolvedWebhookOptions | undefined;
  readonly stream: Required<AlertStreamOptions>;
  readonly mqttRetry: RetryPolicy;
}

export const DELIVERY_OPTIONS = Symbol('ALERT_DELIVERY_OPTIONS');

/** Stripe-like: a few quick retries, then minutes apart, for at most an hour (an alert older than that is history). */
export const DEFAULT_WEBHOOK_RETRY: RetryPolicy = Object.freeze({ baseDelayMs: 1_000, maxDelayMs: 5 * 60_000, maxAttempts: 10, maxAgeMs: 60 * 60_000 });
export const DEFAULT_MQTT_RETRY: RetryPolicy = Object.freeze({ baseDelayMs: 250, maxDelayMs: 30_000, maxAttempts: 20, maxAgeMs: 15 * 60_000 });
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;
export const DEFAULT_STREAM_HEARTBEAT_MS = 15_000;
export const DEFAULT_STREAM_BUFFER = 1_000;
export const MIN_WEBHOOK_SECRET_LENGTH = 16;

const bad = (message: string) => new AlertsError('ALERTS_E_CONFIG', message);

function positiveInt(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw bad(`${name} must be a positive whole number, got ${value}`);
  return value;
}

export function resolveRetryPolicy(policy: Partial<RetryPolicy> | undefined, defaults: RetryPolicy, name: string): RetryPolicy {
  const p = { ...defaults, ...policy };
  positiveInt(p.baseDelayMs, `${name}.baseDelayMs`);
  positiveInt(p.maxDelayMs, `${name}.maxDelayMs`);
  positiveInt(p.maxAttempts, `${name}.maxAttempts`);
  positiveInt(p.maxAgeMs, `${name}.maxAgeMs`);
  if (p.maxDelayMs < p.baseDelayMs) throw bad(`${name}.maxDelayMs must be at least baseDelayMs`);
  return Object.freeze(p);
}

/** Checks and freezes the options once, at start; the message names the bad option, never the secret. */
export function resolveDeliveryOptions(options: AlertDeliveryOptions): ResolvedDeliveryOptions {
  if (typeof options.dataDir !== 'string' || options.dataDir.trim() === '') throw bad('alert delivery dataDir must be a folder path');
  const urls = options.webhooks?.urls ?? [];
  let webhooks: ResolvedWebhookOptions | undefined;
  if (urls.length > 0) {
    for (const url of urls) checkWebhookUrl(url);
    if (new Set(urls).size !== urls.length) throw bad('webhook URLs must not repeat');
    const secret = options.webhooks!.secret;
    if (typeof secret !== 'string' || secret.length < MIN_WEBHOOK_SECRET_LENGTH) {
      throw bad(`the webhook secret must be at least ${MIN_WEBHOOK_SECRET_LENGTH} characters`);
    }
    webhooks = Object.freeze({
      urls: Object.freeze([...urls]),
      secret,
      timeoutMs: positiveInt(options.webhooks!.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS, 'webhooks.timeoutMs'),
      retry: resolveRetryPolicy(options.webhooks!.retry, DEFAULT_WEBHOOK_RETRY, 'webhooks.retry'),
      concurrency: positiveInt(options.webhooks!.concurrency ?? 4, 'webhooks.concurrency'),
    });
  }
  return Object.freeze({
    dataDir: options.dataDir,
    messaging: options.messaging,
    webhooks,
    stream: Object.freeze({
      heartbeatMs: positiveInt(options.stream?.heartbeatMs ?? DEFAULT_STREAM_HEARTBEAT_MS, 'stream.heartbeatMs'),
      bufferSize: positiveInt(options.stream?.bufferSize ?? DEFAULT_STREAM_BUFFER, 'stream.bufferSize'),
    }),
    mqttRetry: resolveRetryPolicy(options.mqttRetry, DEFAULT_MQTT_RETRY, 'mqttRetry'),
  });
}

function checkWebhookUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw bad('a webhook URL is not a URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw bad(`webhook URLs must be http(s), got ${parsed.protocol}`);
  // fetch refuses URLs with credentials; a token belongs in the path or the query
  if (parsed.username !== '' || parsed.password !== '') throw bad('webhook URLs must not contain user:password@ (put a token in the path or query)');
}

export { redactUrl } from '@pulseproof/contracts';
