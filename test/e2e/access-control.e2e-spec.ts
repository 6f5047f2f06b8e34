import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { mqttTopics } from '@pulseproof/contracts';
import { DeviceRegistry } from '@pulseproof/ingest';
import { connectAsync, MqttClient } from 'mqtt';
import { EmbeddedSystem, PulseProofConfig, startEmbedded } from 'pulseproof';
import { STREAM_RECHECK_MS } from '../../app/src/access/open-stream';
import { accessTableRow, routeTable } from '../../app/src/access/route-table';
import { signInOverHttp } from '../../app/src/access/testing';
import { SseStream, adminHeaders, eventually, openSse, testConfig } from './support';

jest.setTimeout(120_000);

/**
 * Access control over the real embedded app (issue 7 item 2): sign-in, roles, ward scoping, the
 * access log, and the OpenAPI description that must name every route Nest serves.
 */
describe('access control, end to end', () => {
  let config: PulseProofConfig;
  let system: EmbeddedSystem;
  let api: string;

  const call = async (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) => {
    const response = await fetch(api + path, {
      method,
      headers: { ...headers, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
  };
  const asAdmin = (method: string, path: string, body?: unknown) => call(method, path, adminHeaders, body);
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const signIn = async (username: string, password: string) => {
    const result = await signInOverHttp(api, username, password);
    expect(result.status).toBe(200);
    return result.body.token as string;
  };

  beforeAll(async () => {
    config = testConfig({ SIM_PATIENTS: '2', SIM_DETERIORATING: '0', SIM_INTERVAL_MS: '200', SIM_AMBULANCES: '0' });
    system = await startEmbedded(config, { logLevels: ['error'] });
    api = system.httpUrl;
  });

  const clients: MqttClient[] = [];
  let closeStream: (() => void) | undefined;
  const openStreams: SseStream[] = [];

  const openStream = async (path: string, token: string): Promise<SseStream> => {
    const stream = await openSse(api + path, bearer(token));
    openStreams.push(stream);
    return stream;
  };

  afterAll(async () => {
    closeStream?.();
    for (const stream of openStreams) stream.close();
    await Promise.all(clients.map((c) => c.endAsync()));
    await system?.stop();
    rmSync(config.dataDir, { recursive: true, force: true });
  });

  it('creates one account per role on the first start, printed once, and the admin can sign in with it', async () => {
    const summary = system.summary().join('\n');
    const admin = /admin\s+admin \/ (\S+)/.exec(summary);
    expect(admin).not.toBeNull();
    const token = await signIn('admin', admin![1]!);
    expect((await call('GET', '/api/auth/me', bearer(token))).body).toEqual({ user: { username: 'admin', role: 'admin', wards: [] } });
    // the simulated patients start in the default ward, with the demo clinician
    expect((await asAdmin('GET', '/api/wards/ward-a/patients')).body.map((p: { patientId: string }) => p.patientId)).toEqual(['sim-patient-001', 'sim-patient-002']);
    expect((await asAdmin('GET', '/api/users/clinician')).body).toMatchObject({ role: 'clinician', wards: ['ward-a'] });
  });

  it('answers 401 with what to do when nobody is signed in; health and the API description stay open', async () => {
    for (const path of ['/api/patients', '/api/alerts', '/api/anchors', '/api/users', '/api/auth/me', '/api/devices']) {
      const response = await call('GET', path);
      expect({ path, status: response.status }).toEqual({ path, status: 401 });
      expect(response.body.message).toMatch(/sign in first: POST \/api\/auth\/sign-in/);
    }
    expect((await call('GET', '/api/patients', bearer('not-a-session'))).status).toBe(401);
    // a cookie that is not even valid percent-encoding is no session: 401 with the message, never a 500
    const malformed = await call('GET', '/api/patients', { cookie: 'pp_session=%E0%A4%A' });
    expect(malformed.status).toBe(401);
    expect(malformed.body.message).toMatch(/sign in first/);
    expect((await call('GET', '/api/health')).status).toBe(200);
    expect((await call('GET', '/api/docs/openapi.json')).status).toBe(200);
  });

  it('lets an admin manage wards and users; passwords never come back', async () => {
    expect((await asAdmin('POST', '/api/wards', { id: 'ward-b', name: 'Ward B' })).status).toBe(201);
    expect((await asAdmin('POST', '/api/wards', { id: 'ward-b', name: 'again' })).status).toBe(409);
    expect((await asAdmin('PUT', '/api/patients/sim-patient-002/ward', { wardId: 'ward-b' })).body).toMatchObject({ patientId: 'sim-patient-002', wardId: 'ward-b' });
    expect((await asAdmin('PUT', '/api/patients/sim-patient-002/ward', { wardId: 'ward-zz' })).status).toBe(404);
    for (const user of [
      { username: 'nurse-a', role: 'clinician', password: 'correct horse a', wards: ['ward-a'] },
      { username: 'nurse-b', role: 'clinician', password: 'correct horse b', wards: ['ward-b'] },
      { username: 'audit-1', role: 'auditor', password: 'correct horse c' },
    ]) {
      expect((await asAdmin('POST', '/api/users', user)).status).toBe(201);
    }
    const bad = await asAdmin('POST', '/api/users', { username: 'x', role: 'surgeon', password: 'long enough' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/role must be one of clinician, auditor, admin/);
    const listed = (await asAdmin('GET', '/api/users')).body as Record<string, unknown>[];
    expect(listed.map((u) => u['username'])).toEqual(expect.arrayContaining(['nurse-a', 'nurse-b', 'audit-1']));
    expect(JSON.stringify(listed)).not.toMatch(/scrypt|password|correct horse/);
  });

  it('signs in with an HttpOnly SameSite=Strict cookie that works like the bearer token', async () => {
    const result = await signInOverHttp(api, 'nurse-a', 'correct horse a');
    expect(result.status).toBe(200);
    expect(result.body.user).toEqual({ username: 'nurse-a', role: 'clinician', wards: ['ward-a'] });
    const raw = (await fetch(`${api}/api/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'nurse-a', password: 'correct horse a' }) })).headers.get('set-cookie');
    expect(raw).toMatch(/^pp_session=[^;]+;.*HttpOnly/i);
    expect(raw).toMatch(/SameSite=Strict/i);
    expect((await call('GET', '/api/auth/me', { cookie: result.cookie! })).body.user.username).toBe('nurse-a');
    const wrong = await signInOverHttp(api, 'nurse-a', 'wrong password');
    expect(wrong.status).toBe(401);
    expect(wrong.body.message).toMatch(/wrong username or password/);
  });

  it('shows a clinician only the patients of their wards and refuses another ward with 403', async () => {
    const token = await signIn('nurse-a', 'correct horse a');
    const seen = await eventually('the simulated patient of ward A listed', async () => {
      const { body } = await call('GET', '/api/patients', bearer(token));
      return body.some((p: { patientId: string }) => p.patientId === 'sim-patient-001') ? body : undefined;
    });
    expect(seen.map((p: { patientId: string }) => p.patientId)).toEqual(['sim-patient-001']);
    // the admin sees both: the filter is the clinician's wards, not missing data
    const all = await eventually('both patients listed for the admin', async () => {
      const { body } = await asAdmin('GET', '/api/patients');
      return body.length === 2 ? body : undefined;
    });
    expect(all.map((p: { patientId: string }) => p.patientId).sort()).toEqual(['sim-patient-001', 'sim-patient-002']);

    expect((await call('GET', '/api/patients/sim-patient-001/latest', bearer(token))).status).toBe(200);
    for (const path of ['/api/patients/sim-patient-002/latest', '/api/patients/sim-patient-002/vitals', '/api/patients/sim-patient-002', '/api/alerts?patientId=sim-patient-002', '/api/wards/ward-b/patients']) {
      const refused = await call('GET', path, bearer(token));
      expect({ path, status: refused.status }).toEqual({ path, status: 403 });
      expect(refused.body.message).toMatch(/not (in|one of) your wards .*ask an admin/);
    }
    const write = await call('POST', '/api/patients/sim-patient-002/observations', bearer(token), { consciousness: 'A', observedBy: 'nurse-a' });
    expect(write.status).toBe(403);
    // and the clinician of ward B sees that patient
    const tokenB = await signIn('nurse-b', 'correct horse b');
    expect((await call('GET', '/api/patients/sim-patient-002/latest', bearer(tokenB))).status).toBe(200);
    // device liveness is filtered by the patient each device is assigned to now: own ward's devices, no other's
    const livenessPatients = async (headers: Record<string, string>) => {
      const { status, body } = await call('GET', '/api/liveness', headers);
      expect(status).toBe(200);
      return (body.devices as { patientId?: string }[]).map((d) => d.patientId);
    };
    expect(await livenessPatients(bearer(token))).toEqual(['sim-patient-001']);
    expect(await livenessPatients(bearer(tokenB))).toEqual(['sim-patient-002']);
    expect((await livenessPatients(adminHeaders)).sort()).toEqual(['sim-patient-001', 'sim-patient-002']);
    expect((await call('POST', '/api/users', bearer(tokenB), { username: 'sneaky', role: 'admin', password: 'long enough' })).status).toBe(403);
  });

  it('narrows alerts, the alert stream and acknowledgement to the clinician\'s wards', async () => {
    expect((await asAdmin('PUT', '/api/patients/pt-alert-a/ward', { wardId: 'ward-a' })).status).toBe(200);
    expect((await asAdmin('PUT', '/api/patients/pt-alert-b/ward', { wardId: 'ward-b' })).status).toBe(200);
    const token = await signIn('nurse-a', 'correct horse a');
    const { frames, close } = await openSse(`${api}/api/alerts/stream`, bearer(token));
    closeStream = close;
    // every NEWS2 parameter in a scoring band (RCP 2017 Chart 1): an alert for each patient
    const measurements = {
      heart_rate: { value: 135, unit: '/min' },
      respiratory_rate: { value: 30, unit: '/min' },
      spo2: { value: 85, unit: '%' },
      systolic_bp: { value: 85, unit: 'mm[Hg]' },
      temperature: { value: 39.5, unit: 'Cel' },
    };
    const registry = system.app.get(DeviceRegistry);
    const alertOf = async (patientId: string, deviceId: string) => {
      const credentials = (await registry.registerDevice({ deviceId, patientId })).credentials!;
      const device = await connectAsync(system.mqttUrl, { clientId: deviceId, reconnectPeriod: 0, ...credentials });
      clients.push(device);
      await device.publishAsync(mqttTopics.readings(deviceId), JSON.stringify({ v: 1, deviceId, seq: 1, ts: Date.now(), measurements }), { qos: 1 });
      return eventually(`the alert of ${patientId}`, async () => (await asAdmin('GET', `/api/alerts?patientId=${patientId}`)).body[0] as { alertId: string } | undefined);
    };
    // ward B's alert first: the stream is ordered, so once ward A's arrives, B's would have too
    const alertB = await alertOf('pt-alert-b', 'bed-alert-b');
    const alertA = await alertOf('pt-alert-a', 'bed-alert-a');
    await eventually('ward A\'s alert on the clinician\'s stream', async () => (frames.some((f) => f.includes(alertA.alertId)) ? true : undefined));
    expect(frames.filter((f) => f.includes('pt-alert-b'))).toEqual([]);

    const listed = (await call('GET', '/api/alerts?state=all', bearer(token))).body as { patientId: string }[];
    expect(listed.map((a) => a.patientId)).toContain('pt-alert-a');
    expect(listed.map((a) => a.patientId)).not.toContain('pt-alert-b');
    expect((await call('GET', `/api/alerts/${alertA.alertId}`, bearer(token))).status).toBe(200);
    expect((await call('GET', `/api/alerts/${alertB.alertId}`, bearer(token))).status).toBe(403);
    const ack = await call('POST', `/api/alerts/${alertB.alertId}/acknowledge`, bearer(token), { by: 'nurse-a' });
    expect(ack.status).toBe(403);
    // refused before the change: the alert of ward B is still unacknowledged
    expect((await asAdmin('GET', `/api/alerts/${alertB.alertId}`)).body.alert.state).toBe('active');
    // what a form on another page of the same site could post with the nurse's cookie: refused, nothing changes
    const cookie = (await signInOverHttp(api, 'nurse-a', 'correct horse a')).cookie!;
    const forged = await fetch(`${api}/api/alerts/${alertA.alertId}/acknowledge`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: 'by=nurse-a' });
    expect(forged.status).toBe(415);
    expect(((await forged.json()) as { message: string }).message).toMatch(/send the body as JSON/);
    expect((await asAdmin('GET', `/api/alerts/${alertA.alertId}`)).body.alert.state).toBe('active');
    const formSignIn = await fetch(`${api}/api/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=nurse-a&password=correct+horse+a' });
    expect(formSignIn.status).toBe(415);
    // acknowledged in the name of the signed-in user, whatever the body claims
    const acked = await call('POST', `/api/alerts/${alertA.alertId}/acknowledge`, bearer(token), { by: 'someone-else' });
    expect(acked.status).toBe(200);
    expect(acked.body.alert).toMatchObject({ acknowledgedBy: 'nurse-a' });
    // the same for a staff observation: the observer is who is signed in
    const observed = await call('POST', '/api/patients/pt-alert-a/observations', bearer(token), { consciousness: 'A', observedBy: 'someone-else' });
    expect(observed.status).toBe(201);
    expect(observed.body.observation.observedBy).toBe('nurse-a');
  });

  it('keeps an auditor to anchors and receipts, away from ward views', async () => {
    const from = Date.now();
    const token = await signIn('audit-1', 'correct horse c');
    expect((await call('GET', '/api/anchors', bearer(token))).status).toBe(200);
    // a receipt carries a reading: its read is logged against the reading's patient
    const receipt = await eventually('the receipt of the ward A reading', async () => {
      const r = await call('GET', '/api/readings/bed-alert-a:1/receipt', bearer(token));
      return r.status === 200 ? r.body : undefined;
    });
    expect(receipt.reading.patientId).toBe('pt-alert-a');
    const logged = (await asAdmin('GET', `/api/access-log?user=audit-1&from=${from}`)).body.entries as { outcome: string }[];
    // (a 409 "not anchored yet" while polling is logged as failed)
    expect(logged.filter((e) => e.outcome === 'allowed')).toEqual([expect.objectContaining({ route: '/api/readings/bed-alert-a:1/receipt', patientId: 'pt-alert-a', outcome: 'allowed' })]);
    for (const path of ['/api/patients', '/api/patients/sim-patient-001/vitals', '/api/alerts', '/api/dispatches', '/api/users', '/api/access-log']) {
      const refused = await call('GET', path, bearer(token));
      expect({ path, status: refused.status }).toEqual({ path, status: 403 });
      expect(refused.body.message).toMatch(/signed in as auditor audit-1, but this needs .*: sign in with such an account/);
    }
  });

  it('writes every read of patient data to an access log the admin can query', async () => {
    const from = Date.now();
    const token = await signIn('nurse-a', 'correct horse a');
    expect((await call('GET', '/api/patients/sim-patient-001/vitals', bearer(token))).status).toBe(200);
    expect((await call('GET', '/api/patients/sim-patient-002/vitals', bearer(token))).status).toBe(403);
    const { status, body } = await asAdmin('GET', `/api/access-log?user=nurse-a&from=${from}`);
    expect(status).toBe(200);
    expect(body.entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ username: 'nurse-a', role: 'clinician', method: 'GET', route: '/api/patients/sim-patient-001/vitals', patientId: 'sim-patient-001', outcome: 'allowed' }),
        expect.objectContaining({ username: 'nurse-a', route: '/api/patients/sim-patient-002/vitals', patientId: 'sim-patient-002', outcome: 'denied' }),
      ]),
    );
    const byPatient = await asAdmin('GET', `/api/access-log?patient=sim-patient-002&from=${from}`);
    expect(byPatient.body.entries.every((e: { patientId: string }) => e.patientId === 'sim-patient-002')).toBe(true);
    expect((await asAdmin('GET', '/api/access-log?from=yesterday')).status).toBe(400);
    const repeated = await asAdmin('GET', '/api/access-log?user=nurse-a&user=nurse-b');
    expect(repeated.status).toBe(400);
    expect(repeated.body.message).toContain('"user" must be given at most once');
  });

  it('ends open ward and alert streams at sign-out, and a ward stream once its ward is taken away', async () => {
    const token = await signIn('nurse-a', 'correct horse a');
    const opened = Date.now();
    const ward = await openStream('/api/dashboard/wards/ward-a/stream', token);
    const alerts = await openStream('/api/alerts/stream', token);
    // while the nurse may see them, both stay open across several re-checks and the ward keeps updating
    const updates = () => ward.frames.filter((f) => f.includes('event: update')).length;
    await eventually('ward updates across two re-checks', async () => (Date.now() - opened > 2 * STREAM_RECHECK_MS && updates() >= 2 ? true : undefined));
    expect({ ward: ward.isOpen, alerts: alerts.isOpen }).toEqual({ ward: true, alerts: true });
    expect(ward.frames[0]).toMatch(/^event: snapshot/m);

    expect((await call('POST', '/api/auth/sign-out', bearer(token))).status).toBe(204);
    await eventually('both streams ended by the server after the sign-out', async () => (ward.isOpen || alerts.isOpen ? undefined : true));
    expect((await call('GET', '/api/auth/me', bearer(token))).status).toBe(401);

    // signed in again, the nurse loses the ward: the ward stream ends, the session does not
    const again = await signIn('nurse-a', 'correct horse a');
    const wardAgain = await openStream('/api/dashboard/wards/ward-a/stream', again);
    await eventually('the ward snapshot', async () => (wardAgain.frames.length > 0 ? true : undefined));
    expect((await asAdmin('PUT', '/api/users/nurse-a/wards', { wards: [] })).status).toBe(200);
    await eventually('the ward stream ended by the server once the ward was taken away', async () => (wardAgain.isOpen ? undefined : true));
    expect((await call('GET', '/api/auth/me', bearer(again))).body.user).toEqual({ username: 'nurse-a', role: 'clinician', wards: [] });
    expect((await fetch(`${api}/api/dashboard/wards/ward-a/stream`, { headers: bearer(again) })).status).toBe(403);
    expect((await asAdmin('PUT', '/api/users/nurse-a/wards', { wards: ['ward-a'] })).status).toBe(200);
  });

  it('ends a session at sign-out and locks an account after repeated wrong passwords', async () => {
    const token = await signIn('nurse-b', 'correct horse b');
    expect((await call('POST', '/api/auth/sign-out', bearer(token))).status).toBe(204);
    expect((await call('GET', '/api/auth/me', bearer(token))).status).toBe(401);

    for (let i = 0; i < 5; i++) expect((await signInOverHttp(api, 'nurse-b', `guess ${i}`)).status).toBe(401);
    const locked = await signInOverHttp(api, 'nurse-b', 'correct horse b');
    expect(locked.status).toBe(429);
    expect(locked.body.message).toMatch(/too many failed sign-ins: try again in/);
  });

  it('describes every route Nest serves at /api/docs, with the security schemes and 401/403', async () => {
    const { body: document } = await call('GET', '/api/docs/openapi.json');
    const routes = routeTable(system.app);
    expect(routes.length).toBeGreaterThan(40);
    const missing = routes.filter((r) => !document.paths[r.path]?.[r.method.toLowerCase()]).map((r) => `${r.method} ${r.path}`);
    expect(missing).toEqual([]);
    expect(Object.keys(document.components.securitySchemes).sort()).toEqual(['bearer', 'session-cookie']);
    const vitals = document.paths['/api/patients/{patientId}/vitals'].get;
    expect(vitals.tags).toEqual(['patients']);
    expect(Object.keys(vitals.responses)).toEqual(expect.arrayContaining(['401', '403']));
    expect(vitals.description).toMatch(/Who may call: clinician, admin/);
    expect(document.paths['/api/health'].get.security).toEqual([]);
    const ui = await fetch(`${api}/api/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toMatch(/swagger-ui/i);
  });

  it('lists every route with its roles in docs/access-control.md, and no route is left without a rule', () => {
    const routes = routeTable(system.app);
    expect(routes.filter((r) => !r.rule?.public && !r.rule?.roles).map((r) => `${r.method} ${r.path}`)).toEqual([]);
    const doc = readFileSync(join(__dirname, '../../docs/access-control.md'), 'utf8');
    // a route added or a rule changed without updating the table fails here, with the rows to paste
    expect(routes.map(accessTableRow).filter((row) => !doc.includes(row))).toEqual([]);
  });
});
