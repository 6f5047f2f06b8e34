import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SimulatorError } from './errors';
import { loadWardScenario, parseWardScenario, planWard } from './ward-scenario';

const problemsOf = (value: unknown): string => {
  try {
    parseWardScenario(value);
  } catch (error) {
    expect(error).toBeInstanceOf(SimulatorError);
    expect((error as SimulatorError).code).toBe('SIM_E_BAD_SCENARIO');
    return (error as Error).message;
  }
  throw new Error('expected the scenario to be rejected');
};

describe('ward scenario files', () => {
  it('turns durations into ms and plans one device per kind per patient', () => {
    const ward = parseWardScenario({
      seed: 7,
      interval: '500ms',
      patients: [
        { id: 'p1', devices: ['monitor', 'wearable'], timeline: [{ at: '2m', scenario: 'hypoxia', ramp: '30s' }] },
        { id: 'p2', devices: ['wearable'], timeline: [{ at: '90s', scenario: 'network-flapping', for: '1h' }] },
        { id: 'p3', devices: ['monitor'] },
      ],
    });
    expect(ward.intervalMs).toBe(500);
    expect(ward.patients[0]!.timeline).toEqual([{ atMs: 120_000, scenario: 'hypoxia', rampMinutes: 0.5 }]);
    expect(ward.patients[1]!.timeline).toEqual([{ atMs: 90_000, scenario: 'network-flapping', forMs: 3_600_000 }]);
    const members = planWard(ward);
    expect(members.map((m) => [m.deviceId, m.patientId, m.kind, m.deteriorates])).toEqual([
      ['p1-monitor', 'p1', 'monitor', true],
      ['p1-wearable', 'p1', 'wearable', true],
      ['p2-wearable', 'p2', 'wearable', false],
      ['p3-monitor', 'p3', 'monitor', false],
    ]);
    // both devices of a patient play the same physiology; another ward seed plays other patients
    expect(members[0]!.modelSeed).toBe(members[1]!.modelSeed);
    expect(planWard({ ...ward, seed: 8 })[0]!.modelSeed).not.toBe(members[0]!.modelSeed);
  });

  it('lists every problem with its path in the file', () => {
    const message = problemsOf({
      seed: 7,
      patients: [
        { id: 'p1', devices: ['monitor', 'toaster'], timeline: [{ at: 'soon', scenario: 'hypoxia' }] },
        { id: 'p1', devices: [], timeline: [{ at: '1m', scenario: 'zombie' }] },
        { id: 'bad id!', devices: ['monitor'], extra: true },
      ],
    });
    expect(message).toMatch(/^scenario is not a valid ward scenario:/);
    expect(message).toMatch(/patients\[0\]\.devices\[1\]: device must be one of monitor, wearable/);
    expect(message).toMatch(/patients\[0\]\.timeline\[0\]\.at: at must be a duration such as "90s", "2m", "1.5h" \(got "soon"\)/);
    expect(message).toMatch(/patients\[1\]\.devices: a patient needs at least one device/);
    expect(message).toMatch(/patients\[1\]\.timeline\[0\]\.scenario: scenario must be one of stable, sepsis-like, hypoxia/);
    expect(message).toMatch(/patients\[2\]\.id: id must be letters, digits/);
    expect(message).toMatch(/patients\[2\]: .*extra/);
  });

  it.each([
    [{ patients: [] }, /patients: a ward needs at least one patient/],
    [{}, /patients: /],
    [{ patients: [{ id: 'a', devices: ['monitor'] }, { id: 'a', devices: ['wearable'] }] }, /patients: patient ids must be unique/],
    [{ interval: '1ms', patients: [{ id: 'a', devices: ['monitor'] }] }, /interval: interval must be at least 10ms/],
    [{ patients: [{ id: 'a', devices: ['monitor', 'monitor'] }] }, /devices: a device kind may appear once per patient/],
  ])('rejects %j', (value, message) => {
    expect(problemsOf(value)).toMatch(message);
  });

  it('names the file when it cannot be read or is not JSON', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pulseproof-ward-'));
    try {
      const file = path.join(dir, 'ward.json');
      fs.writeFileSync(file, '{ "patients": [');
      expect(() => loadWardScenario(file)).toThrow(/scenario file .*ward\.json is not JSON/);
      expect(() => loadWardScenario(path.join(dir, 'missing.json'))).toThrow(/cannot read scenario file .*missing\.json/);
      fs.writeFileSync(file, JSON.stringify({ seed: 1, patients: [{ id: 'p1', devices: ['wearable'] }] }));
      expect(loadWardScenario(file).patients[0]!.devices).toEqual(['wearable']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
