import { CanActivate, ExecutionContext, ForbiddenException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { ACCESS_PRINCIPAL, AccessPrincipal } from '@pulseproof/contracts';
import { INGEST_OPTIONS, IngestOptions } from '../config';
import { sameDigest, sha256 } from './secrets';

/**
 * The device administration API hands out credentials, so until sign-in arrives (issue 7) it
 * wants `Authorization: Bearer <ADMIN_API_TOKEN>`. Without a configured token it is closed.
 * Compared as SHA-256 digests in constant time, so neither the length nor a prefix leaks.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expected: Buffer | undefined;

  constructor(@Inject(INGEST_OPTIONS) options: IngestOptions) {
    this.expected = options.adminApiToken ? sha256(options.adminApiToken) : undefined;
  }

  canActivate(context: ExecutionContext): boolean {
    // the app's access guard (issue 7) ran first and already let a signed-in admin through
    const request = context.switchToHttp().getRequest<Record<string, unknown>>();
    if ((request[ACCESS_PRINCIPAL] as AccessPrincipal | undefined)?.role === 'admin') return true;
    if (!this.expected) {
      throw new ForbiddenException(
        'the device administration API is off: set ADMIN_API_TOKEN and send it as "Authorization: Bearer <token>", or use `npx pulseproof devices --help`',
      );
    }
    const header = context.switchToHttp().getRequest<{ headers: Record<string, string | string[] | undefined> }>().headers['authorization'];
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match || !sameDigest(sha256(match[1]!), this.expected)) {
      throw new UnauthorizedException('send "Authorization: Bearer <ADMIN_API_TOKEN>"');
    }
    return true;
  }
}
