/**
 * A URL as it may be shown or logged: scheme, host and path. User info, the query and the fragment
 * are dropped, as that is where brokers keep passwords and webhook receivers keep tokens.
 * One rule for every broker, webhook and endpoint URL a log line or an error message names.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
