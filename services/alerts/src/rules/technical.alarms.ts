import { Injectable } from '@nestjs/common';
import { DeadLetter, DeviceStatusEvent, Reading } from '@pulseproof/contracts';
import { AlertLifecycle, ChangeSource } from '../lifecycle/alert-lifecycle';
import { PatientStateStore } from '../patient-state.store';
import { DeviceSetState, deviceSetDecision, withDevice, withoutDevice } from './device-set';
import { PatientRules, TechnicalAlertType } from './patient-rules';

/** The dead-letter reason ingest gives a physiologically implausible value (issue 3, validation). */
export const IMPLAUSIBLE_REASON = 'INGEST_E_IMPLAUSIBLE';

/** Measurements that say nothing about whether a sensor is on the patient. */
const NOT_FROM_A_SENSOR = new Set(['battery', 'gps_latitude', 'gps_longitude']);

const DESCRIBE: Record<TechnicalAlertType, (ids: readonly string[]) => string> = {
  'no-data': (ids) => `No data from ${ids.join(', ')}`,
  'sensor-off': (ids) => `SpO2 sensor off: ${ids.join(', ')}`,
  implausible: (ids) => `Implausible values from ${ids.join(', ')}`,
  'low-battery': (ids) => `Low battery: ${ids.join(', ')}`,
};

/**
 * Technical alarms (IEC 60601-1-8: about the equipment, not the patient), one alert per patient and
 * type naming every device concerned:
 * - no-data: ingest reports the device `silent` (no reading for its interval, connected or not);
 *   ends with `online` or with a reading received after the report. `offline` alone (a dropped
 *   connection) is no alarm: a wearable reconnects and resends its queue (QoS 1), and ingest reports
 *   a disconnected device `silent` once its interval has passed;
 * - sensor-off: a device that has reported SpO2 sends SpO2 0, or a reading with other measurements
 *   but no SpO2 (an oximeter reports both; a probe off the finger leaves SpO2 out); ends with SpO2 > 0;
 * - implausible: ingest refused a reading of the device as implausible; ends with a reading received
 *   `clearAfterMs` after the last refusal;
 * - low-battery: battery below `below` %, ends at `clearAt` % or more (hysteresis).
 * Times come from the messages (device time, or ingest's clock for status events and dead letters).
 */
@Injectable()
export class TechnicalAlarms {
  constructor(
    private readonly store: PatientStateStore,
    private readonly lifecycle: AlertLifecycle,
  ) {}

  /** Runs inside the reading's transaction. */
  onReading(reading: Reading, rules: PatientRules, source: ChangeSource): void {
    const { patientId, deviceId, measurements } = reading;
    const t = rules.technical;
    this.update(patientId, 'no-data', t.noData, source, (s) => (s && s.devices[deviceId]! < reading.receivedAt ? withoutDevice(s, deviceId) : s));
    this.update(patientId, 'implausible', t.implausible, source, (s) =>
      s && s.devices[deviceId]! + t.implausible.clearAfterMs <= reading.receivedAt ? withoutDevice(s, deviceId) : s,
    );
    const battery = measurements.battery;
    if (typeof battery === 'number') {
      this.update(patientId, 'low-battery', t.lowBattery, source, (s) =>
        battery < t.lowBattery.below ? withDevice(s, deviceId, reading.deviceTime) : battery >= t.lowBattery.clearAt ? withoutDevice(s, deviceId) : s,
      );
    }
    this.sensorOff(reading, rules, source);
  }

  /** Runs inside a transaction. */
  onDeviceStatus(event: DeviceStatusEvent, patientId: string, rules: PatientRules, source: ChangeSource): void {
    if (event.state === 'offline') return;
    if (event.state === 'online') {
      this.update(patientId, 'no-data', rules.technical.noData, source, (s) => withoutDevice(s, event.deviceId));
      return;
    }
    // A reading received after the report shows the device is not silent (the topics are not ordered).
    const last = this.store.devicePatient(event.deviceId)?.lastReceivedAt;
    if (last !== undefined && last > event.at) return;
    this.update(patientId, 'no-data', rules.technical.noData, source, (s) => withDevice(s, event.deviceId, event.at));
  }

  /** Runs inside a transaction. */
  onImplausible(letter: DeadLetter & { deviceId: string }, patientId: string, rules: PatientRules, source: ChangeSource): void {
    const clearAfterMs = rules.technical.implausible.clearAfterMs;
    const last = this.store.devicePatient(letter.deviceId)?.lastReceivedAt;
    if (last !== undefined && last >= letter.receivedAt + clearAfterMs) return;
    this.update(patientId, 'implausible', rules.technical.implausible, source, (s) => {
      const since = s?.devices[letter.deviceId];
      // keep the latest refusal: the clearing window runs from it
      if (since !== undefined && since >= letter.receivedAt) return s;
      return { devices: { ...(s?.devices ?? {}), [letter.deviceId]: letter.receivedAt } };
    });
  }

  private sensorOff(reading: Reading, rules: PatientRules, source: ChangeSource): void {
    const { patientId, deviceId, measurements } = reading;
    const spo2 = measurements.spo2;
    const oximeters = this.store.rules.state<DeviceSetState>(patientId, 'oximeters');
    if (typeof spo2 === 'number' && spo2 > 0 && !oximeters?.devices[deviceId]) {
      this.store.rules.setState(patientId, 'oximeters', withDevice(oximeters, deviceId, reading.deviceTime), oximeters);
    }
    const sensorValues = Object.keys(measurements).some((code) => !NOT_FROM_A_SENSOR.has(code));
    const off = spo2 === 0 || (spo2 === undefined && sensorValues && oximeters?.devices[deviceId] !== undefined);
    const on = typeof spo2 === 'number' && spo2 > 0;
    if (!off && !on) return;
    this.update(patientId, 'sensor-off', rules.technical.sensorOff, source, (s) => (off ? withDevice(s, deviceId, reading.deviceTime) : withoutDevice(s, deviceId)));
  }

  private update(
    patientId: string,
    type: TechnicalAlertType,
    settings: { enabled: boolean; priority: PatientRules['technical']['noData']['priority'] },
    source: ChangeSource,
    next: (state: DeviceSetState | undefined) => DeviceSetState | undefined,
  ): void {
    const before = this.store.rules.state<DeviceSetState>(patientId, type);
    const after = next(before);
    if (after === before) return;
    this.store.rules.setState(patientId, type, after, before);
    if (!settings.enabled) return;
    const active = this.store.alerts.activeAlert(patientId, type) !== undefined;
    this.lifecycle.apply(patientId, type, 'technical', deviceSetDecision(before, after, active, settings.priority, DESCRIBE[type]), source);
  }
}
