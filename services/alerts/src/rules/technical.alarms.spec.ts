import { DeadLetter, DeviceStatusEvent } from '@pulseproof/contracts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlertsHarness, MINUTE, SECOND, T0, reading } from '../testing/alerts-harness';
import { PatientRulesService } from './patient-rules.service';

function status(deviceId: string, state: DeviceStatusEvent['state'], at: number, patientId?: string): DeviceStatusEvent {
  return { deviceId, state, at, intervalMs: MINUTE, lastSeenAt: at - 2 * MINUTE, ...(patientId ? { patientId } : {}) };
}

function implausible(deviceId: string | undefined, receivedAt: number, reason = 'INGEST_E_IMPLAUSIBLE'): DeadLetter {
  return { reason, detail: 'heart_rate 300 /min is not physiologically plausible', topic: `pulseproof/v1/devices/${deviceId}/readings`, ...(deviceId ? { deviceId } : {}), receivedAt, payloadBytes: 120, payloadHead: '' };
}

describe('Technical alarms', () => {
  let dir: string;
  let harness: AlertsHarness;
  const alerts = (type: string) => harness.service.listAlerts({ state: 'all', limit: 100 }).filter((a) => a.type === type);
  const changes = (type: string) => harness.events.filter((e) => e.type === type).map((e) => [e.change, e.summary]);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pulseproof-technical-'));
    harness = await AlertsHarness.start(dir, { escalation: { steps: [] } });
  });
  afterEach(async () => {
    await harness.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('no data (device status from ingest)', () => {
    it('raises one no-data alert per patient naming each silent device, and clears it when data flows again', async () => {
      await harness.publish(reading('p-1', 'bed-1', 1, T0, { heart_rate: 70 }), reading('p-1', 'ox-1', 1, T0, { spo2: 97 }));
      await harness.publishStatus(status('bed-1', 'silent', T0 + 2 * MINUTE, 'p-1'));
      await harness.publishStatus(status('ox-1', 'offline', T0 + 2 * MINUTE)); // a dropped connection alone: no alarm
      expect(alerts('no-data')).toMatchObject([{ deviceIds: ['bed-1'] }]);
      await harness.publishStatus(status('ox-1', 'silent', T0 + 3 * MINUTE)); // patient from the device's last reading
      expect(alerts('no-data')).toMatchObject([{ kind: 'technical', priority: 'medium', state: 'active', deviceIds: ['bed-1', 'ox-1'] }]);

      await harness.publish(reading('p-1', 'bed-1', 2, T0 + 4 * MINUTE, { heart_rate: 71 })); // received after the report
      await harness.publishStatus(status('ox-1', 'online', T0 + 5 * MINUTE));
      expect(changes('no-data')).toEqual([
        ['raised', 'No data from bed-1'],
        ['updated', 'No data from bed-1, ox-1'],
        ['updated', 'No data from ox-1'],
        ['cleared', 'No data from ox-1: resolved'],
      ]);
      expect(alerts('no-data')).toMatchObject([{ state: 'cleared', deviceIds: ['ox-1'] }]);
    });

    it('ignores a silent report older than a reading already received, and one for a device with no known patient', async () => {
      await harness.publish(reading('p-1', 'bed-1', 1, T0 + 5 * MINUTE, { heart_rate: 70 }));
      await harness.publishStatus(status('bed-1', 'silent', T0 + 2 * MINUTE), status('stray-9', 'silent', T0 + 2 * MINUTE));
      expect(harness.service.listAlerts({ state: 'all', limit: 10 })).toEqual([]);
    });
  });

  describe('implausible values (dead letters INGEST_E_IMPLAUSIBLE)', () => {
    it('raises for the device’s patient and clears on a reading received 30 s after the last refusal', async () => {
      await harness.publish(reading('p-1', 'bed-1', 1, T0, { heart_rate: 70 }));
      await harness.publishDeadLetter(implausible('bed-1', T0 + MINUTE), implausible('bed-1', T0 + MINUTE + 10 * SECOND));
      expect(alerts('implausible')).toMatchObject([{ state: 'active', priority: 'low', summary: 'Implausible values from bed-1', deviceIds: ['bed-1'] }]);

      await harness.publish(reading('p-1', 'bed-1', 2, T0 + MINUTE + 30 * SECOND, { heart_rate: 71 })); // 20 s after: held
      expect(alerts('implausible')[0]!.state).toBe('active');
      await harness.publish(reading('p-1', 'bed-1', 3, T0 + MINUTE + 40 * SECOND, { heart_rate: 71 }));
      expect(alerts('implausible')[0]!.state).toBe('cleared');
    });

    it('ignores other reasons and devices never seen with a patient', async () => {
      await harness.publish(reading('p-1', 'bed-1', 1, T0, { heart_rate: 70 }));
      await harness.publishDeadLetter(implausible('bed-1', T0 + MINUTE, 'INGEST_E_SCHEMA'), implausible('stray-9', T0 + MINUTE), implausible(undefined, T0));
      expect(harness.service.listAlerts({ state: 'all', limit: 10 })).toEqual([]);
    });
  });

  describe('sensor off', () => {
    it('raises when a pulse oximeter that reported SpO2 sends readings without it, or SpO2 0, and clears when SpO2 returns', async () => {
      await harness.publish(reading('p-1', 'wrist-1', 1, T0, { heart_rate: 70, spo2: 97, battery: 80 }));
      await harness.publish(reading('p-1', 'wrist-1', 2, T0 + SECOND, { battery: 80 })); // a status-only message: not a sensor reading
      expect(alerts('sensor-off')).toEqual([]);
      await harness.publish(reading('p-1', 'wrist-1', 3, T0 + 2 * SECOND, { skin_temperature: 24, motion: 0 }));
      expect(alerts('sensor-off')).toMatchObject([{ state: 'active', summary: 'SpO2 sensor off: wrist-1', priority: 'medium' }]);
      await harness.publish(reading('p-1', 'wrist-1', 4, T0 + 3 * SECOND, { heart_rate: 72, spo2: 96 }));
      expect(alerts('sensor-off')[0]!.state).toBe('cleared');
      await harness.publish(reading('p-1', 'wrist-1', 5, T0 + 4 * SECOND, { spo2: 0 }));
      expect(alerts('sensor-off').map((a) => a.state)).toEqual(['active', 'cleared']);
    });

    it('does not raise for a device that never reported SpO2', async () => {
      await harness.publish(reading('p-1', 'bp-1', 1, T0, { systolic_bp: 120, diastolic_bp: 80 }), reading('p-1', 'bp-1', 2, T0 + MINUTE, { heart_rate: 70 }));
      expect(alerts('sensor-off')).toEqual([]);
    });
  });

  describe('low battery', () => {
    it('raises below 20 %, holds between 20 and 24 %, clears at 25 % (hysteresis)', async () => {
      const battery = (seq: number, value: number) => reading('p-1', 'wrist-1', seq, T0 + seq * MINUTE, { battery: value });
      await harness.publish(battery(1, 20), battery(2, 19));
      expect(alerts('low-battery')).toMatchObject([{ state: 'active', priority: 'low', summary: 'Low battery: wrist-1' }]);
      await harness.publish(battery(3, 21), battery(4, 18), battery(5, 24));
      expect(alerts('low-battery')[0]!.state).toBe('active');
      await harness.publish(battery(6, 25));
      expect(changes('low-battery').map(([change]) => change)).toEqual(['raised', 'cleared']);
    });
  });

  it('follows the patient’s rules: a technical alarm switched off raises nothing', async () => {
    await harness.get(PatientRulesService).put('p-1', { by: 'nurse-1', rules: { technical: { lowBattery: { enabled: false } } } });
    await harness.publish(reading('p-1', 'wrist-1', 1, T0, { battery: 5 }));
    expect(alerts('low-battery')).toEqual([]);
  });
});
