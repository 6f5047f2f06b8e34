import { PatientView } from '@pulseproof/alerts';
import { liveSignature, toPatientLive } from './patient-live';

const vital = (value: number, unit = '/min') => ({ value, unit, at: 1_000, current: true, sourceId: 'bed-1:1' });

const view: PatientView = {
  patientId: 'p-1',
  spo2Scale: 1,
  lastMeasuredAt: 1_000,
  vitals: { heart_rate: vital(120), spo2: vital(91, '%'), battery: vital(80, '%'), systolic_bp: vital(95, 'mm[Hg]'), diastolic_bp: vital(60, 'mm[Hg]') },
  news2: { total: 7, responseBand: 'high', complete: false, missing: ['consciousness'], anySingleThree: true, parameters: [] },
};

describe('toPatientLive', () => {
  it('keeps what a ward tile shows: the NEWS2 vitals, not device telemetry', () => {
    const live = toPatientLive(view, ['online']);
    expect(live).toEqual({
      patientId: 'p-1',
      news2: { total: 7, band: 'high', complete: false },
      vitals: { heart_rate: 120, spo2: 91, systolic_bp: 95, diastolic_bp: 60 },
      lastMeasuredAt: 1_000,
      device: 'online',
    });
  });

  it('calls the patient monitored when any of their devices is online, else the best known state', () => {
    expect(toPatientLive(view, ['offline', 'online', 'silent']).device).toBe('online');
    expect(toPatientLive(view, ['offline', 'silent']).device).toBe('silent');
    expect(toPatientLive(view, ['offline']).device).toBe('offline');
    expect(toPatientLive(view, []).device).toBe('unknown');
  });

  it('answers null for a patient never measured', () => {
    const { lastMeasuredAt: _, ...unmeasured } = view;
    expect(toPatientLive(unmeasured, []).lastMeasuredAt).toBeNull();
  });
});

describe('liveSignature', () => {
  it('changes with a new reading, a new score or a device going quiet, so the stream resends the patient', () => {
    const base = toPatientLive(view, ['online']);
    const signatures = new Set([
      liveSignature(base),
      liveSignature({ ...base, lastMeasuredAt: 2_000 }),
      liveSignature({ ...base, news2: { ...base.news2, total: 8 } }),
      liveSignature({ ...base, device: 'silent' }),
    ]);
    expect(signatures.size).toBe(4);
    expect(liveSignature({ ...base })).toBe(liveSignature(base));
  });
});
