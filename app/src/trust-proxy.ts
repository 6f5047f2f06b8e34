import type { INestApplication } from '@nestjs/common';
import type { TrustProxy } from './config';

/**
 * TRUST_PROXY as Express's 'trust proxy' setting, so `request.ip` (which the sign-in limit counts
 * per address) is the client's rather than the reverse proxy's. Off, X-Forwarded-For is ignored:
 * believing it without a proxy that overwrites it would let any client pick its own address.
 */
export function applyTrustProxy(app: INestApplication, trustProxy: TrustProxy | undefined): void {
  const express = app.getHttpAdapter().getInstance() as { set(setting: string, value: unknown): unknown };
  express.set('trust proxy', trustProxy ?? false);
}
