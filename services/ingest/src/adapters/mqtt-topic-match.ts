/**
 * Whether `topic` matches the subscription `filter` ([MQTT-4.7.1]: `+` one level, `#` the rest,
 * including the parent level). Topics starting with `$` match no filter starting with a wildcard
 * ([MQTT-4.7.2-1]). A `$share/<group>/` prefix is stripped first ([MQTT-4.8.2]).
 */
export function topicMatches(filter: string, topic: string): boolean {
  const plain = filter.startsWith('$share/') ? filter.split('/').slice(2).join('/') : filter;
  const f = plain.split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i += 1) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
