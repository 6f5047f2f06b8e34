import { MQTT_TOPIC_ROOT } from '@pulseproof/contracts';
import { DeviceRegistry, Principal } from './device-registry';

/**
 * Who may publish and subscribe where: the one place the topic rules live. The embedded broker
 * asks these functions on every PUBLISH and SUBSCRIBE; export-mosquitto writes the same rules
 * as Mosquitto ACL lines (mosquitto-acl.ts).
 *
 * - device: publishes its own readings and status; subscribes only its own commands.
 * - gateway: publishes readings and status of the active devices attached to it; subscribes their commands.
 * - console: subscribes alerts and unit status; publishes nothing.
 * - unit (ambulance): publishes its own status; subscribes only its own dispatch orders.
 * - service (PulseProof as a client of an external broker): subscribes device readings and status
 *   and unit status; publishes commands, alerts and dispatch orders.
 * - nobody publishes to `$` topics ($SYS/...) or outside pulseproof/v1/.
 */
export type AclRegistry = Pick<DeviceRegistry, 'principal' | 'mayPublishFor'>;

const ROOT = `${MQTT_TOPIC_ROOT}/`;
const DEVICE_TOPIC = /^pulseproof\/v1\/devices\/([^/+#]+)\/(readings|status|commands)$/;
const UNIT_TOPIC = /^pulseproof\/v1\/units\/([^/+#]+)\/(status|dispatch)$/;

/** Filters the console may subscribe to (or narrow): alerts of any patient, every unit's status. */
export const CONSOLE_READ_FILTERS = [`${ROOT}alerts/#`, `${ROOT}units/+/status`] as const;
/** Filters the service may subscribe to (or narrow). */
export const SERVICE_READ_FILTERS = [`${ROOT}devices/+/readings`, `${ROOT}devices/+/status`, `${ROOT}units/+/status`] as const;
/** Topics the service may publish to, as filters. */
export const SERVICE_WRITE_FILTERS = [`${ROOT}devices/+/commands`, `${ROOT}alerts/#`, `${ROOT}units/+/dispatch`] as const;

function isActive(principal: Principal, registry: AclRegistry): boolean {
  const record = registry.principal(principal.id);
  return record !== undefined && record.status === 'active' && record.kind === principal.kind;
}

/** A topic name a client may publish to: no wildcards [MQTT-3.3.2-2], no NUL [MQTT-1.5.4-2]. */
function isTopicName(topic: string): boolean {
  return topic.length > 0 && topic.length <= 65_535 && !/[+#\u0000]/.test(topic);
}

export function mayPublish(principal: Principal, topic: string, registry: AclRegistry): boolean {
  if (!isTopicName(topic) || !topic.startsWith(ROOT)) return false;
  if (!isActive(principal, registry)) return false;
  const device = DEVICE_TOPIC.exec(topic);
  const unit = UNIT_TOPIC.exec(topic);
  switch (principal.kind) {
    case 'device':
    case 'gateway':
      return device !== null && device[2] !== 'commands' && registry.mayPublishFor(principal, device[1]!);
    case 'unit':
      return unit !== null && unit[2] === 'status' && unit[1] === principal.id;
    case 'service':
      return SERVICE_WRITE_FILTERS.some((allowed) => filterWithin(topic, allowed));
    case 'console':
      return false;
  }
}

export function maySubscribe(principal: Principal, filter: string, registry: AclRegistry): boolean {
  const inner = withoutShare(filter);
  if (inner === undefined || !isValidFilter(inner) || !inner.startsWith(ROOT)) return false;
  if (!isActive(principal, registry)) return false;
  switch (principal.kind) {
    case 'device':
    case 'gateway': {
      // Only exact command topics: a wildcard would also match other devices' commands.
      const device = DEVICE_TOPIC.exec(inner);
      return device !== null && device[2] === 'commands' && registry.mayPublishFor(principal, device[1]!);
    }
    case 'unit':
      return inner === `${ROOT}units/${principal.id}/dispatch`;
    case 'console':
      return CONSOLE_READ_FILTERS.some((allowed) => filterWithin(inner, allowed));
    case 'service':
      return SERVICE_READ_FILTERS.some((allowed) => filterWithin(inner, allowed));
  }
}

/** The filter of `$share/<group>/<filter>` [MQTT-4.8.2], the filter itself otherwise, undefined when malformed. */
function withoutShare(filter: string): string | undefined {
  if (!filter.startsWith('$share/')) return filter;
  const rest = filter.slice('$share/'.length);
  const slash = rest.indexOf('/');
  if (slash <= 0 || /[+#]/.test(rest.slice(0, slash))) return undefined;
  return rest.slice(slash + 1);
}

/** `+` fills a whole level, `#` only the whole last level [MQTT-4.7.1-2, 4.7.1-3]. */
export function isValidFilter(filter: string): boolean {
  if (filter.length === 0 || filter.length > 65_535 || filter.includes('\u0000')) return false;
  const levels = filter.split('/');
  return levels.every((level, i) => {
    if (level === '#') return i === levels.length - 1;
    if (level === '+') return true;
    return !level.includes('+') && !level.includes('#');
  });
}

/**
 * Whether every topic `filter` matches is also matched by `allowed`: a subscription may narrow
 * what is allowed, never widen it. `a/#` also matches `a` itself [MQTT-4.7.1-2].
 */
export function filterWithin(filter: string, allowed: string): boolean {
  const f = filter.split('/');
  const a = allowed.split('/');
  for (let i = 0; i < f.length; i += 1) {
    const want = a[i];
    if (want === '#') return true;
    if (want === undefined) return false;
    const level = f[i]!;
    if (level === '#') return false;
    if (level === '+') {
      if (want !== '+') return false;
    } else if (want !== '+' && want !== level) return false;
  }
  return a.length === f.length || (a.length === f.length + 1 && a[f.length] === '#');
}
