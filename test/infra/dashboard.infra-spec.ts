import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, Page, chromium } from 'playwright-core';
import { DeviceRegistry } from '@pulseproof/ingest';
import { Fleet, planFleet, startFleet } from '@pulseproof/simulators';
import { EmbeddedSystem, PulseProofConfig, startEmbedded } from 'pulseproof';
import { StaffSession, staffSession, wardWith } from '../../app/src/access/testing';
import { registerSimulatedFleet } from '../../app/src/mqtt-security';
import { eventually, testConfig } from '../e2e/support';

jest.setTimeout(300_000);

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(__dirname, '..', '..', 'test-results', 'dashboard');

/** Simulated time runs this much faster: the deteriorating patient declines within seconds, not minutes. */
const SPEED = 20;
/** simulated ms before the decline starts: ~30 s of real time, so the ward is seen before it turns */
const ONSET_SIM_MS = 30_000 * SPEED;

/**
 * The dashboard in Debian's Chromium (issue 7 item 5), against a real embedded PulseProof (aedes,
 * SQLite, anvil) fed by simulated patients: a clinician watches a deteriorating patient turn red
 * and rise, and acknowledges its alert; an auditor verifies a receipt in the browser against the
 * chain; a clinician of another ward is refused. Screenshots of every step: test-results/dashboard/.
 */
describe('dashboard in Chromium', () => {
  let config: PulseProofConfig;
  let system: EmbeddedSystem;
  let fleet: Fleet;
  let browser: Browser;
  let clinician: StaffSession;
  let otherClinician: StaffSession;
  let auditor: StaffSession;
  let deteriorating: string;
  const contexts: BrowserContext[] = [];
  /** uncaught errors in the page: a dashboard that throws fails the test even when the view looks right */
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: install Debian's browser with \`apt-get install chromium\` (.ci/run does); playwright-core never downloads one`);
    }
    mkdirSync(SHOTS, { recursive: true });
    config = testConfig({ SIM_PATIENTS: '0', SIM_AMBULANCES: '0' });
    system = await startEmbedded(config, { logLevels: ['error'] });
    const plan = { brokerUrl: system.mqttUrl, patients: 6, deteriorating: 1, intervalMs: 500, seed: 7, speed: SPEED, deteriorationOnsetMs: ONSET_SIM_MS };
    const credentials = await registerSimulatedFleet(system.app.get(DeviceRegistry), planFleet(plan));
    fleet = await startFleet({ ...plan, ...credentials });
    deteriorating = fleet.members.find((m) => m.deteriorates)!.patientId;
    wardWith(system.app, 'ward-east', fleet.members.map((m) => m.patientId), 'East Ward');
    clinician = await staffSession(system.app, { username: 'cara', role: 'clinician', wards: ['ward-east'] });
    otherClinician = await staffSession(system.app, { username: 'otto', role: 'clinician', wards: ['ward-west'] });
    auditor = await staffSession(system.app, { username: 'audrey', role: 'auditor' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });

  afterEach(() => {
    expect(pageErrors.splice(0)).toEqual([]);
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await fleet?.stop();
    await system?.stop();
    if (config) rmSync(config.dataDir, { recursive: true, force: true });
  });

  /** A fresh browser profile signed in through the dashboard's own form. */
  async function signIn(user: StaffSession, viewport = { width: 1600, height: 1000 }): Promise<Page> {
    const context = await browser.newContext({ viewport });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(`${user.username}: ${error.message}`));
    await page.goto(system.httpUrl);
    await page.getByLabel('User name').fill(user.username);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText(`${user.username} (${user.role})`).waitFor();
    return page;
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  const tileOf = (page: Page, patientId: string) => page.locator(`.tile[data-patient="${patientId}"]`);

  it('shows a clinician their ward, a deteriorating patient turning red and rising to the top, and acknowledges its alert', async () => {
    const page = await signIn(clinician);
    await page.waitForURL(/#\/ward\/ward-east$/);
    await page.getByRole('heading', { name: 'East Ward' }).waitFor();
    await expectEventually(async () => (await page.locator('.tiles .tile').count()) === 6, 'six patient tiles');
    await expectEventually(async () => (await tileOf(page, deteriorating).locator('.score').textContent()) !== '–', 'a NEWS2 on the deteriorating patient');
    // before the decline: not red
    expect(await tileOf(page, deteriorating).getAttribute('class')).not.toContain('band-high');
    await shot(page, '01-clinician-ward');

    await page.locator(`.tile.band-high[data-patient="${deteriorating}"]`).waitFor({ timeout: 180_000 });
    await expectEventually(async () => (await page.locator('.tiles .tile').first().getAttribute('data-patient')) === deteriorating, 'the red patient at the top');
    const colour = await tileOf(page, deteriorating).evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(colour).toBe('rgb(155, 13, 27)');
    await shot(page, '02-deteriorating-patient-red-on-top');

    const alert = page.locator(`.alert[data-patient="${deteriorating}"]`).filter({ has: page.getByRole('button', { name: /^Acknowledge/ }) }).first();
    await alert.waitFor({ timeout: 60_000 });
    const alertId = (await alert.getAttribute('data-alert'))!;
    await alert.getByRole('button', { name: /^Acknowledge/ }).click();
    await page.locator(`.alert[data-alert="${alertId}"] .acked`).filter({ hasText: 'Acknowledged by cara' }).waitFor();
    await shot(page, '03-alert-acknowledged');

    const stored = await fetch(`${system.httpUrl}/api/alerts/${encodeURIComponent(alertId)}`, { headers: clinician.headers });
    expect(((await stored.json()) as { alert: { acknowledgedBy: string } }).alert.acknowledgedBy).toBe('cara');

    // by keyboard: the tile's link opens the patient's detail
    await tileOf(page, deteriorating).getByRole('link').focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`#/patient/${deteriorating}$`));
    await page.getByRole('img', { name: 'NEWS2 over time' }).waitFor();
    await page.getByRole('heading', { name: 'Alert history' }).waitFor();
    expect(await page.getByRole('img', { name: /^Heart rate over/ }).locator('path.line').count()).toBe(1);
    // the newest readings wait for their batch (BATCH_MAX_AGE_MS) and the chain: refresh until one is anchored
    await expectEventually(async () => {
      if ((await page.locator('td.anchor-anchored').count()) > 0) return true;
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page.locator('.patient-body[aria-busy="false"]').waitFor();
      return false;
    }, 'an anchored reading in the detail', 60_000);
    await shot(page, '04-patient-detail');
  });

  it('lets an auditor verify a receipt in the browser against the chain, and rejects a tampered one', async () => {
    const receipt = await eventually('an anchored reading with a receipt', async () => {
      const anchors = (await (await fetch(`${system.httpUrl}/api/anchors`, { headers: auditor.headers })).json()) as { status: string; firstReadingId: string }[];
      const confirmed = anchors.find((a) => a.status === 'confirmed');
      if (!confirmed) return undefined;
      const response = await fetch(`${system.httpUrl}/api/readings/${encodeURIComponent(confirmed.firstReadingId)}/receipt`, { headers: auditor.headers });
      return response.ok ? ((await response.json()) as { reading: { measurements: Record<string, number> } }) : undefined;
    }, 60_000);

    const page = await signIn(auditor, { width: 1280, height: 800 });
    await page.waitForURL(/#\/audit$/);
    await expectEventually(async () => (await page.getByLabel('Chain JSON-RPC endpoint').inputValue()) === system.rpcUrl, 'the configured chain endpoint');
    await page.locator('.batches tbody tr').first().waitFor();
    await page.getByLabel('Receipt (JSON)').fill(JSON.stringify(receipt, null, 2));
    await page.getByRole('button', { name: 'Verify receipt' }).click();
    await page.locator('.verify-result.ok, .verify-result.failed').waitFor();
    expect(await page.locator('.verify-result').textContent()).toContain('Valid receipt');
    await shot(page, '05-auditor-receipt-valid');

    const [code, value] = Object.entries(receipt.reading.measurements)[0]!;
    const tampered = { ...receipt, reading: { ...receipt.reading, measurements: { ...receipt.reading.measurements, [code]: value + 1 } } };
    await page.getByLabel('Receipt (JSON)').fill(JSON.stringify(tampered));
    await page.getByRole('button', { name: 'Verify receipt' }).click();
    await page.locator('.verify-result.failed').waitFor();
    expect(await page.locator('.verify-result').textContent()).toContain('leaf does not match the reading');
    await shot(page, '06-auditor-receipt-tampered');
  });

  it("refuses a clinician another ward's patients", async () => {
    const page = await signIn(otherClinician, { width: 1280, height: 800 });
    await page.goto(`${system.httpUrl}/#/ward/ward-east`);
    const refusal = page.getByRole('alert').filter({ hasText: 'Access refused' });
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain('ward ward-east is not one of your wards (ward-west)');
    expect(await page.locator('.tiles .tile').count()).toBe(0);
    await shot(page, '07-other-ward-refused');

    await page.goto(`${system.httpUrl}/#/patient/${encodeURIComponent(deteriorating)}`);
    await page.getByRole('alert').filter({ hasText: 'Access refused' }).waitFor();
    await shot(page, '08-other-ward-patient-refused');
  });
});

/** Polls a browser-side condition (the page updates itself; nothing is slept on). */
async function expectEventually(probe: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  await eventually(what, async () => ((await probe()) ? true : undefined), timeoutMs);
}
