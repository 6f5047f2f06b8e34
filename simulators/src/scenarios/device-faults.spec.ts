import { DeviceMessage, deviceMessageSchema } from '@pulseproof/contracts';
import { composeReading } from '../device-reading';
import { PatientModel } from '../patient-model';
import { SeededRandom } from '../random';
import { WearableModel } from '../wearable-model';
import { CLOCK_DRIFT_RATE, DeviceFaults } from './device-faults';
import { ScenarioName, TimelineEvent } from './names';

const MIN = 60_000;
const event = (minutes: number, scenario: ScenarioName, forMinutes?: number): TimelineEvent => ({
  atMs: minutes * MIN,
  scenario,
  ...(forMinutes ? { forMs: forMinutes * MIN } : {}),
});

/** A device's readings every 10 s of simulated time for `minutes`, as composeReading makes them. */
function play(kind: 'monitor' | 'wearable', timeline: TimelineEvent[], minutes: number, seed = 3): DeviceMessage[] {
  const model = new PatientModel({ seed, timeline });
  const random = new SeededRandom(seed);
  const faults = new DeviceFaults(timeline, random.derive('faults'), kind === 'wearable');
  const wearable = new WearableModel(random.derive('wearable'));
  const out: DeviceMessage[] = [];
  for (let t = 10_000; t <= minutes * MIN; t += 10_000) {
    const vitals = model.next(10_000);
    const state = faults.at(model.elapsedMs);
    if (state.poweredOff) break;
    const extras = kind === 'wearable' ? wearable.next(10_000, state.sensorDetached || model.scenario === 'cardiac-arrest') : undefined;
    const message = composeReading(`${kind}-1`, t / 10_000, t + state.clockOffsetMs, {
      kind,
      vitals,
      unmeasurable: model.unmeasurable(),
      faults: state,
      ...(extras ? { extras } : {}),
    });
    out.push(message);
  }
  return out;
}

const codes = (message: DeviceMessage) => Object.keys(message.measurements).sort();
const value = (message: DeviceMessage, code: string) => message.measurements[code]?.value;

describe('wearable readings', () => {
  it('carry HR, SpO2, skin temperature, motion, GPS and battery, and every one validates against the wire schema', () => {
    const messages = [
      ...play('wearable', [], 60),
      ...play('wearable', [event(1, 'sensor-detached', 2), event(4, 'cardiac-arrest'), event(5, 'clock-drift')], 10),
      ...play('wearable', [event(0, 'battery-drain')], 20),
      ...play('monitor', [event(1, 'sensor-detached'), event(0, 'battery-drain')], 5),
    ];
    const failures = messages.map((m) => deviceMessageSchema.safeParse(JSON.parse(JSON.stringify(m)))).filter((r) => !r.success);
    expect(failures.map((f) => f.error?.issues[0])).toEqual([]);
    expect(codes(messages[0]!)).toEqual(['battery', 'gps_latitude', 'gps_longitude', 'heart_rate', 'motion', 'skin_temperature', 'spo2']);
  });

  it('stay within a few tens of metres of the bed and show bouts of movement', () => {
    const messages = play('wearable', [], 120);
    const lats = messages.map((m) => value(m, 'gps_latitude')!);
    expect(Math.max(...lats) - Math.min(...lats)).toBeLessThan(400); // microdegrees: < 45 m
    expect(messages.some((m) => value(m, 'motion')! >= 0.1)).toBe(true);
    expect(messages.filter((m) => value(m, 'motion')! < 0.1).length).toBeGreaterThan(messages.length / 2);
  });
});

describe('device scenarios', () => {
  it('sensor detached: HR and SpO2 disappear, the monitor reads an implausible RR 0, the wearable cools to room temperature; they come back after', () => {
    const monitor = play('monitor', [event(1, 'sensor-detached', 2)], 5);
    const detached = monitor.filter((m) => m.ts > 1.1 * MIN && m.ts <= 3 * MIN);
    expect(detached.length).toBeGreaterThan(5);
    for (const m of detached) {
      expect(codes(m)).not.toContain('heart_rate');
      expect(codes(m)).not.toContain('spo2');
      expect(value(m, 'respiratory_rate')).toBe(0);
    }
    expect(codes(monitor[monitor.length - 1]!)).toContain('heart_rate');
    const wearable = play('wearable', [event(1, 'sensor-detached')], 3);
    expect(value(wearable[wearable.length - 1]!, 'skin_temperature')).toBe(24);
    expect(value(wearable[wearable.length - 1]!, 'motion')).toBe(0);
    expect(value(wearable[0]!, 'skin_temperature')).toBeGreaterThan(32);
  });

  it('battery drain: the battery falls steadily to 0 and the device then goes silent', () => {
    const messages = play('wearable', [event(2, 'battery-drain')], 30);
    const battery = messages.map((m) => value(m, 'battery')!);
    for (let i = 1; i < battery.length; i++) expect(battery[i]).toBeLessThanOrEqual(battery[i - 1]!);
    expect(battery[0]).toBeGreaterThanOrEqual(70);
    expect(battery[battery.length - 1]).toBeLessThanOrEqual(2);
    expect(messages.length).toBeLessThan(((2 + 10) * MIN) / 10_000 + 1); // silent once flat, well before 30 min
  });

  it('clock drift: the device clock runs ahead by a growing offset from the onset', () => {
    const messages = play('monitor', [event(5, 'clock-drift')], 65);
    const offset = (m: DeviceMessage) => m.ts - m.seq * 10_000;
    expect(offset(messages[20]!)).toBe(0);
    const last = messages[messages.length - 1]!;
    expect(offset(last)).toBeCloseTo(60 * MIN * CLOCK_DRIFT_RATE, -2);
    const offsets = messages.map(offset);
    for (let i = 1; i < offsets.length; i++) expect(offsets[i]).toBeGreaterThanOrEqual(offsets[i - 1]!);
  });

  it('cardiac arrest on a monitor: HR 0 and RR 0 are sent, SpO2 and blood pressure are absent', () => {
    const last = play('monitor', [event(1, 'cardiac-arrest')], 3).pop()!;
    expect(codes(last)).toEqual(['heart_rate', 'respiratory_rate', 'temperature']);
    expect(value(last, 'heart_rate')).toBe(0);
  });

  it('is reproducible from the seed', () => {
    const timeline = [event(1, 'battery-drain'), event(2, 'sensor-detached', 1)];
    expect(play('wearable', timeline, 6, 9)).toEqual(play('wearable', timeline, 6, 9));
    expect(play('wearable', timeline, 6, 9)).not.toEqual(play('wearable', timeline, 6, 10));
  });
});
