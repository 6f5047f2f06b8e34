import { MqttMessaging, mqttTopics } from '@pulseproof/contracts';
import type { ConnectionState } from './liveness-store';

/** A device connected or vanished, as the broker sees it. */
export interface PresenceEvent {
  readonly deviceId: string;
  readonly state: ConnectionState;
}

/** Where presence comes from: the embedded broker's connections, or status topics on any broker. */
export interface PresenceFeed {
  start(listener: (event: PresenceEvent) => void): Promise<() => Promise<void>>;
}

const STATUS_TOPIC = /^pulseproof\/v1\/devices\/([^/+#]+)\/status$/;

/** `online` or `offline` (a bare word, or JSON `{"state": ...}`), else undefined. */
export function parseStatus(topic: string, payload: Buffer): PresenceEvent | undefined {
  const deviceId = STATUS_TOPIC.exec(topic)?.[1];
  if (deviceId === undefined || payload.byteLength > 256) return undefined;
  let text = payload.toString('utf8').trim();
  if (text.startsWith('{')) {
    try {
      const parsed = JSON.parse(text) as { state?: unknown };
      text = typeof parsed.state === 'string' ? parsed.state : '';
    } catch {
      return undefined;
    }
  }
  return text === 'online' || text === 'offline' ? { deviceId, state: text } : undefined;
}

/**
 * Devices publish `online` (retained) on their status topic when they connect and leave `offline`
 * as their last will, which the broker publishes when the connection drops without a DISCONNECT
 * [MQTT-3.1.2-8]. Works on the embedded broker and on any external one.
 */
export function statusTopicPresence(messaging: MqttMessaging): PresenceFeed {
  return {
    async start(listener) {
      const unsubscribe = await messaging.subscribe(mqttTopics.statusFilter, (topic, payload) => {
        const event = parseStatus(topic, payload);
        if (event) listener(event);
      });
      // The broker may be closing already when the app shuts down: do not wait on it for long.
      return () => Promise.race([unsubscribe(), new Promise<void>((r) => setTimeout(r, 1_000).unref())]);
    },
  };
}

/** The slice of aedes' client and broker this needs (aedes 0.51 `client` / `clientDisconnect` events). */
interface AedesClientLike {
  readonly id: string;
}
interface AedesLike {
  on(event: 'client' | 'clientDisconnect', listener: (client: AedesClientLike) => void): unknown;
  removeListener(event: 'client' | 'clientDisconnect', listener: (client: AedesClientLike) => void): unknown;
}

/**
 * Presence from the embedded broker's own connections, for devices that do not publish a status.
 * The device is the principal the client signed in as, or (auth off) its client id. A device may
 * hold two connections for a moment (a reconnection takes over the session [MQTT-3.1.4-2]): it is
 * offline only when the last one closes.
 */
export function aedesPresence(broker: { readonly aedes: unknown; principalOf?(client: never): { kind: string; id: string } | undefined }): PresenceFeed {
  const aedes = broker.aedes as AedesLike;
  const deviceOf = (client: AedesClientLike): string => {
    const principal = broker.principalOf?.(client as never);
    return principal?.kind === 'device' ? principal.id : client.id;
  };
  return {
    async start(listener) {
      const open = new Map<string, Set<AedesClientLike>>();
      const connected = (client: AedesClientLike) => {
        const id = deviceOf(client);
        const set = open.get(id) ?? new Set();
        set.add(client);
        open.set(id, set);
        if (set.size === 1) listener({ deviceId: id, state: 'online' });
      };
      const disconnected = (client: AedesClientLike) => {
        const id = deviceOf(client);
        const set = open.get(id);
        if (!set?.delete(client)) return;
        if (set.size === 0) {
          open.delete(id);
          listener({ deviceId: id, state: 'offline' });
        }
      };
      aedes.on('client', connected);
      aedes.on('clientDisconnect', disconnected);
      return async () => {
        aedes.removeListener('client', connected);
        aedes.removeListener('clientDisconnect', disconnected);
      };
    },
  };
}

/**
 * The presence feeds a reading source offers: status topics on any broker, and connections too
 * when the broker is the embedded aedes (it has an `aedes` property).
 */
export function presenceFeedsFor(source: MqttMessaging & { readonly aedes?: unknown }): PresenceFeed[] {
  const feeds = [statusTopicPresence(source)];
  if (source.aedes !== undefined) feeds.push(aedesPresence(source as Parameters<typeof aedesPresence>[0]));
  return feeds;
}
