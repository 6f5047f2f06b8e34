import { DeviceMessage, MEASUREMENTS, MeasurementCode } from '@pulseproof/contracts';
import { Rejection } from '../errors';

export interface PlausibleRange {
  readonly min: number;
  readonly max: number;
}

/**
 * Physiological plausibility, inside the sensor bounds of the catalogue (measurements.ts).
 *
 * The catalogue's bounds refuse what a sensor cannot report; these refuse what a living, monitored
 * patient cannot have, which in practice means a probe off the body, a detached lead or a faulty
 * device. They are deliberately wide: an abnormal value (NEWS2 scores 3 for HR > 130/min, SpO2
 * < 92 %, SBP < 91 mmHg, RCP 2017 Chart 1) is clinically vital and must always pass. A refused value
 * is dead-lettered as INGEST_E_IMPLAUSIBLE, which alerts may raise as a "sensor off / implausible
 * values" technical alarm: it is not silently dropped.
 *
 * Measurements without an entry here (ACVPU, oxygen flag, battery, motion, GPS) are ordinal,
 * boolean or technical: their catalogue bounds are already exact.
 */
export const PLAUSIBLE_RANGES: Readonly<Partial<Record<MeasurementCode, PlausibleRange>>> = Object.freeze({
  // ANSI/AAMI EC13 and IEC 60601-2-27 require ECG heart-rate meters to indicate at least 30–200/min
  // (adult) and 30–250/min (neonatal/paediatric); infant SVT is usually 220/min or more, up to about
  // 300/min (AHA PALS).
  // Below 20/min a pulse-derived rate is far more often a sensor that lost the signal than a rhythm;
  // either way someone must go to the bedside, which the technical alarm asks for.
  heart_rate: { min: 20, max: 300 },
  // ISO 80601-2-61:2017 (201.12.1.101) and FDA pulse-oximeter guidance (2013) specify accuracy only
  // for SaO2 70–100 %; below 50 % a reading is not a usable measurement.
  spo2: { min: 50, max: 100 },
  // Fleming et al., Lancet 2011;377:1011-18: the 99th centile of respiratory rate at birth is about
  // 66/min, lower at every later age; 80 leaves a margin. Below 2/min: apnoea or a lost signal.
  respiratory_rate: { min: 2, max: 80 },
  // Hypertensive emergencies exceed 180/120 mmHg (Whelton et al., ACC/AHA 2017 guideline 11.2) and
  // must pass; oscillometric NIBP monitors (IEC 80601-2-30) state measurement ranges of about
  // systolic 40–270 and diastolic 15–200 mmHg. Outside these a cuff or transducer is at fault.
  systolic_bp: { min: 40, max: 300 },
  diastolic_bp: { min: 15, max: 200 },
  // Core temperature: below 24 °C vital signs are absent (Swiss staging HT IV, Brown et al., NEJM
  // 2012;367:1930-8), so a reading arriving with other vitals is a probe off the body; heat stroke is
  // above 40 °C (Bouchama & Knochel, NEJM 2002;346:1978-88), survivable values stay below 45 °C.
  temperature: { min: 24, max: 45 },
  // Skin: 44 °C is the lowest temperature that burns skin over hours (Moritz & Henriques, Am J
  // Pathol 1947;23:695-720); cold peripheries fall to about 10 °C.
  skin_temperature: { min: 10, max: 44 },
});

/**
 * The first implausible value of a message, or undefined. The detail names the measurement and
 * the accepted range, never the value the device sent (it may be patient data).
 */
export function checkPlausibility(message: DeviceMessage): Rejection | undefined {
  const measurements = message.measurements as Partial<Record<MeasurementCode, { value: number }>>;
  for (const code of Object.keys(PLAUSIBLE_RANGES) as MeasurementCode[]) {
    const value = measurements[code]?.value;
    const range = PLAUSIBLE_RANGES[code]!;
    if (value !== undefined && (value < range.min || value > range.max)) {
      return new Rejection('INGEST_E_IMPLAUSIBLE', `${code} outside the plausible ${range.min}..${range.max} ${MEASUREMENTS[code].unit}: check the sensor`);
    }
  }
  const systolic = measurements.systolic_bp?.value;
  const diastolic = measurements.diastolic_bp?.value;
  // Diastolic is the pressure between beats: it is below systolic by definition.
  if (systolic !== undefined && diastolic !== undefined && diastolic >= systolic) {
    return new Rejection('INGEST_E_IMPLAUSIBLE', 'diastolic_bp is not below systolic_bp: check the cuff and the field order');
  }
  return undefined;
}
