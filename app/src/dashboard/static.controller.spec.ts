import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { DashboardStaticController } from './static.controller';

function response() {
  const headers: Record<string, string> = {};
  let sent: string | undefined;
  return { headers, sent: () => sent, setHeader: (k: string, v: string) => (headers[k] = v), sendFile: (p: string) => (sent = p) };
}

describe('DashboardStaticController', () => {
  let dist: string;
  beforeEach(() => {
    dist = mkdtempSync(join(tmpdir(), 'pp-dash-'));
  });
  afterEach(() => rmSync(dist, { recursive: true, force: true }));

  it('tells the operator to build when the bundle is missing', () => {
    const controller = new DashboardStaticController({ rpcUrl: 'http://x', distDir: dist });
    expect(() => controller.index(response())).toThrow(ServiceUnavailableException);
    expect(() => controller.index(response())).toThrow(/run `npm run build`/);
  });

  it('serves the page and the bundle, revalidated, and hashed chunks for a year', () => {
    for (const f of ['index.html', 'app.js', 'chunk-ABC123.js']) writeFileSync(join(dist, f), '');
    const controller = new DashboardStaticController({ rpcUrl: 'http://x', distDir: dist });
    const page = response();
    controller.index(page);
    expect(page.sent()).toBe(join(dist, 'index.html'));
    expect(page.headers['cache-control']).toBe('no-cache');
    const chunk = response();
    controller.asset('chunk-ABC123.js', chunk);
    expect(chunk.headers['cache-control']).toContain('immutable');
  });

  it('answers 404 for anything but the bundle\'s own file names, never a path outside dist', () => {
    writeFileSync(join(dist, 'index.html'), '');
    const controller = new DashboardStaticController({ rpcUrl: 'http://x', distDir: dist });
    for (const name of ['..%2Fpackage.json', '../package.json', 'index.html', 'missing.js', '.env']) {
      expect(() => controller.asset(name, response())).toThrow(NotFoundException);
    }
  });
});
