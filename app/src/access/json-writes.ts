import { ForbiddenException, HttpException, HttpStatus } from '@nestjs/common';
import { SESSION_COOKIE } from './authenticator';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** `application/json`, `application/merge-patch+json`, ...: what no HTML form can send (WHATWG HTML 4.10.21.7). */
const JSON_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;

interface WriteRequest {
  readonly method: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

const one = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/**
 * Cross-site request forgery, beyond the SameSite=Strict cookie (which a sibling subdomain still
 * gets: it is "same-site"). Every API body is JSON, so a state-changing request with any other
 * body type is refused (415): an HTML form can only send form-encoded, multipart or text/plain,
 * and a script elsewhere cannot send JSON cross-origin without a CORS preflight, which this server
 * never grants. A write that rides the session cookie while the browser says it comes from
 * another origin (Fetch Metadata `Sec-Fetch-Site`) is refused too (403). OWASP CSRF Prevention
 * Cheat Sheet: "Fetch Metadata headers" and "Employing custom request headers / content types".
 */
export function refuseForgedWrite(request: WriteRequest): void {
  if (!STATE_CHANGING.has(request.method.toUpperCase())) return;
  const type = one(request.headers['content-type']);
  if (type !== undefined && type !== '' && !JSON_TYPE.test(type)) {
    throw new HttpException({ statusCode: 415, message: `send the body as JSON (Content-Type: application/json), not ${type.split(';')[0]}` }, HttpStatus.UNSUPPORTED_MEDIA_TYPE);
  }
  const site = one(request.headers['sec-fetch-site']);
  if ((site === 'cross-site' || site === 'same-site') && ridesCookie(request)) {
    throw new ForbiddenException('refused: a change sent with your session cookie from another site; use PulseProof\'s own pages, or send "Authorization: Bearer <token>" from scripts');
  }
}

function ridesCookie(request: WriteRequest): boolean {
  if (typeof request.headers['authorization'] === 'string' && /^Bearer\s/i.test(request.headers['authorization'])) return false;
  const cookie = one(request.headers['cookie']);
  return cookie !== undefined && cookie.split(';').some((part) => part.trim().startsWith(`${SESSION_COOKIE}=`));
}
