export { AlertDeliveryModule, ALERT_DELIVERY_CONTROLLERS } from './alert-delivery.module';
export { AlertDeliveryService, ALERT_DELIVERY_CONSUMER_GROUP, asAlertEvent } from './alert-delivery.service';
export type { DeliveryView, WebhookPayload } from './alert-delivery.service';
export { AlertDeliveryController } from './alert-delivery.controller';
export { AlertStream, STREAM_ALERT_EVENT, STREAM_RESET_EVENT } from './alert-stream';
export type { StreamRequest } from './alert-stream';
export {
  DELIVERY_OPTIONS,
  DEFAULT_MQTT_RETRY,
  DEFAULT_STREAM_BUFFER,
  DEFAULT_STREAM_HEARTBEAT_MS,
  DEFAULT_WEBHOOK_RETRY,
  DEFAULT_WEBHOOK_TIMEOUT_MS,
  MIN_WEBHOOK_SECRET_LENGTH,
  redactUrl,
  resolveDeliveryOptions,
} from './delivery.config';
export type { AlertDeliveryOptions, AlertStreamOptions, ResolvedDeliveryOptions, WebhookOptions } from './delivery.config';
export { DELIVERY_DB_FILE, DeliveryStore } from './delivery-store';
export type { DeliveryChannel, DeliveryRecord, DeliveryState, StreamEntry } from './delivery-store';
export { afterFailure, retryDelayMs } from './retry-policy';
export type { RetryPolicy } from './retry-policy';
export { DEFAULT_TOLERANCE_S, SIGNATURE_HEADER, signWebhook, signatureOf, verifyWebhook } from './webhook-signature';
export type { VerifyResult } from './webhook-signature';
export { ATTEMPT_HEADER, EVENT_ID_HEADER } from './webhook-sender';
