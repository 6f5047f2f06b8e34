import { rmSync } from 'node:fs';
import { EmbeddedSystem, PulseProofConfig, startEmbedded } from 'pulseproof';
import { StaffSession, staffSession, wardWith } from '../../app/src/access/testing';
import { eventually, testConfig } from './support';

jest.setTimeout(120_000);

/**
 * The endpoints the web dashboard adds (issue 7 item 1): the page at `/`, a ward's snapshot and
 * live stream (scoped to the clinician's wards), the patient's anchoring states and the chain
 * endpoint for the auditor view. The browser journeys are in test/infra/dashboard.infra-spec.ts.
 */
describe('dashboard API', () => {
  let config: PulseProofConfig;
  let system: EmbeddedSystem;
  let nurse: StaffSession;
  let stranger: StaffSession;
  let auditor: StaffSession;
  let patients: string[];

  beforeAll(async () => {
    config = testConfig({ SIM_PATIENTS: '3', SIM_DETERIORATING: '0', SIM_INTERVAL_MS: '200', SIM_AMBULANCES: '0' });
    system = await startEmbedded(config, { logLevels: ['error'] });
    patients = system.fleet!.members.map((m) => m.patientId);
    wardWith(system.app, 'ward-north', patients, 'North');
    nurse = await staffSession(system.app, { username: 'nina', role: 'clinician', wards: ['ward-north'] });
    stranger = await staffSession(system.app, { username: 'sam', role: 'clinician', wards: ['ward-south'] });
    auditor = await staffSession(system.app, { username: 'ada', role: 'auditor' });
  });

  afterAll(async () => {
    await system?.stop();
    rmSync(config.dataDir, { recursive: true, force: true });
  });

  const get = (path: string, who?: StaffSession) => fetch(`${system.httpUrl}${path}`, { headers: who?.headers ?? {} });

  it('serves the page at / without sign-in, and its bundle', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('aria-live="assertive"');
    const script = /src="\/(app\.js)"/.exec(html)![1]!;
    const bundle = await get(`/${script}`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toContain('javascript');
    expect((await get('/nope.js')).status).toBe(404);
  });

  it("gives a clinician their ward's patients with latest vitals and NEWS2", async () => {
    const snapshot = await eventually('vitals of the three patients', async () => {
      const body = (await (await get('/api/dashboard/wards/ward-north', nurse)).json()) as { ward: unknown; patients: { patientId: string; lastMeasuredAt: number | null; vitals: Record<string, number>; news2: { band: string }; device: string }[] };
      return body.patients.every((p) => p.lastMeasuredAt !== null && p.device === 'online') ? body : undefined;
    });
    expect(snapshot.ward).toEqual({ id: 'ward-north', name: 'North' });
    expect(snapshot.patients.map((p) => p.patientId).sort()).toEqual([...patients].sort());
    expect(snapshot.patients[0]!.vitals.heart_rate).toEqual(expect.any(Number));
    expect(snapshot.patients[0]!.news2.band).not.toBe('none');
  });

  it('streams the ward: a snapshot, then updates of the patients whose readings changed', async () => {
    const abort = new AbortController();
    const response = await fetch(`${system.httpUrl}/api/dashboard/wards/ward-north/stream`, { headers: nurse.headers, signal: abort.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    let text = '';
    const decoder = new TextDecoder();
    const events = () => text.split('\n\n').filter((e) => e.includes('data:'));
    const typeOf = (event: string) => /^event: (\w+)$/m.exec(event)?.[1];
    while (!events().some((e) => typeOf(e) === 'update')) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream ended before an update:\n${text}`);
      text += decoder.decode(value, { stream: true });
    }
    abort.abort();
    expect(typeOf(events()[0]!)).toBe('snapshot');
    const update = JSON.parse(/^data: (.*)$/m.exec(events().find((e) => typeOf(e) === 'update')!)![1]!) as { patients: { patientId: string }[] };
    expect(update.patients.length).toBeGreaterThan(0);
    for (const p of update.patients) expect(patients).toContain(p.patientId);
  });

  it('refuses a clinician of another ward (403) and an auditor (ward views are for clinicians), with a message', async () => {
    for (const path of ['/api/dashboard/wards/ward-north', '/api/dashboard/wards/ward-north/stream']) {
      const refused = await get(path, stranger);
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { message: string }).message).toContain('not one of your wards');
      expect((await get(path, auditor)).status).toBe(403);
      expect((await get(path)).status).toBe(401);
    }
    expect((await get('/api/dashboard/wards/ward-nowhere', nurse)).status).toBe(404);
  });

  it("says which of a patient's readings are anchored, and nothing about another patient's", async () => {
    const patientId = patients[0]!;
    const vitals = (await (await get(`/api/patients/${patientId}/vitals`, nurse)).json()) as { readings: { id: string }[] };
    const first = vitals.readings[0]!.id;
    const other = ((await (await get(`/api/patients/${patients[1]}/vitals`, nurse)).json()) as { readings: { id: string }[] }).readings[0]!.id;
    const states = await eventually('the first reading anchored', async () => {
      const body = (await (await get(`/api/dashboard/patients/${patientId}/anchoring?readings=${first},${other}`, nurse)).json()) as { readings: { id: string; state: string }[] };
      return body.readings[0]!.state === 'anchored' ? body.readings : undefined;
    });
    expect(states[1]).toEqual({ id: other, state: 'unknown' });
    expect((await get(`/api/dashboard/patients/${patientId}/anchoring?readings=${first}`, stranger)).status).toBe(403);
    expect((await get(`/api/dashboard/patients/${patientId}/anchoring`, nurse)).status).toBe(400);
    const repeated = await get(`/api/dashboard/patients/${patientId}/anchoring?readings=${first}&readings=${other}`, nurse);
    expect(repeated.status).toBe(400);
    expect(((await repeated.json()) as { message: string }).message).toContain('"readings" must be given once');
  });

  it('tells the auditor view which chain endpoint to verify against', async () => {
    expect(await (await get('/api/dashboard/config', auditor)).json()).toEqual({ rpcUrl: system.rpcUrl });
  });
});
