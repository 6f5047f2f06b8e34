// Shared by this package's specs (excluded from the build): the compiled artifact, temp folders,
// readings, and polling for asynchronous outcomes (a bound on waiting, never a speed assertion).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Global, INestApplication, INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Bus } from '@pulseproof/bus';
import { Reading } from '@pulseproof/contracts';
import { AnchorModule } from './anchor.module';
import { AnchorOptions } from './config';

let compiled = false;

/** Runs scripts/compile-contracts.mjs (a no-op when the artifact is up to date). */
export function ensureArtifact(): void {
  if (compiled) return;
  execFileSync(process.execPath, [path.join(__dirname, '..', 'scripts', 'compile-contracts.mjs')], { stdio: 'inherit' });
  compiled = true;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `pulseproof-anchor-${prefix}-`));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export function sampleReading(i: number, overrides: Partial<Reading> = {}): Reading {
  return {
    deviceId: `bed-${i % 5}-monitor`,
    seq: 1_000 + i,
    patientId: `patient-${i % 5}`,
    deviceTime: 1_795_000_000_000 + i * 1_000,
    receivedAt: 1_795_000_000_050 + i * 1_000,
    measurements: { heart_rate: 60 + (i % 40), spo2: 90 + (i % 10), temperature: 36.5 + (i % 7) / 4 },
    salt: `0x${randomBytes(32).toString('hex')}`,
    ...overrides,
  };
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The anchor module inside a minimal Nest application, with the bus the app would provide. */
function testAppModule(bus: Bus, options: AnchorOptions) {
  @Global()
  @Module({ providers: [{ provide: Bus, useValue: bus }], exports: [Bus] })
  class TestBusModule {}

  @Module({ imports: [TestBusModule, AnchorModule.forRoot(options)] })
  class TestAppModule {}
  return TestAppModule;
}

export function startAnchorApp(bus: Bus, options: AnchorOptions): Promise<INestApplicationContext> {
  return NestFactory.createApplicationContext(testAppModule(bus, options), { logger: process.env['ANCHOR_TEST_LOGS'] ? ['log', 'warn', 'error'] : false });
}

/** The same, serving HTTP on a free loopback port. */
export async function startAnchorHttp(bus: Bus, options: AnchorOptions): Promise<{ app: INestApplication; url: string }> {
  const app = await NestFactory.create(testAppModule(bus, options), { logger: false });
  try {
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await app.close();
    throw error;
  }
  return { app, url: await app.getUrl() };
}
