import { Controller, Get, Module, Req } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { TrustProxy } from './config';
import { applyTrustProxy } from './trust-proxy';

@Controller()
class WhoController {
  @Get('who')
  who(@Req() request: { ip?: string }) {
    return { ip: request.ip };
  }
}

@Module({ controllers: [WhoController] })
class WhoModule {}

/** The address the sign-in limit counts, through a real Nest + Express app. */
describe('applyTrustProxy', () => {
  const ipSeen = async (trustProxy: TrustProxy | undefined): Promise<string> => {
    const app = await NestFactory.create(WhoModule, { logger: false });
    try {
      applyTrustProxy(app, trustProxy);
      await app.listen(0, '127.0.0.1');
      const response = await fetch(`${(await app.getUrl()).replace('[::1]', '127.0.0.1')}/who`, { headers: { 'x-forwarded-for': '203.0.113.7' } });
      return ((await response.json()) as { ip: string }).ip;
    } finally {
      await app.close();
    }
  };

  it('ignores X-Forwarded-For by default: a client cannot pick its own address', async () => {
    expect(await ipSeen(undefined)).toMatch(/127\.0\.0\.1$/);
    expect(await ipSeen(false)).toMatch(/127\.0\.0\.1$/);
  });

  it("takes the client's address from a trusted proxy's X-Forwarded-For", async () => {
    expect(await ipSeen('loopback')).toBe('203.0.113.7');
    expect(await ipSeen(1)).toBe('203.0.113.7');
  });
});
