import { ThresholdsConfig, ThresholdsMode } from '@grafana/schema';
import type { MeasurementCode } from '@pulseproof/contracts';

/**
 * Colours of NEWS2 points per parameter (RCP 2017, Chart 1), as Grafana thresholds: green 0,
 * yellow 1, orange 2, red 3. Chart 1 prints whole numbers (temperature to one decimal) and the
 * alerts service rounds a value half-up to that precision before looking it up
 * (services/alerts/src/news2.ts), so each step starts half a printed unit above the band below:
 * a pulse of 40.5/min is charted 41 and scores 1.
 *
 * SpO2 is coloured on scale 1: Grafana cannot know which patients a clinician put on scale 2, so
 * the SpO2 colour of a scale-2 patient is not their NEWS2 points (the PulseProof dashboard's is).
 */
const GREEN = 'green';
const YELLOW = 'yellow';
const ORANGE = 'orange';
const RED = 'red';

function steps(base: string, ...from: [number, string][]): ThresholdsConfig {
  return {
    mode: ThresholdsMode.Absolute,
    steps: [{ color: base, value: null }, ...from.map(([value, color]) => ({ color, value }))],
  };
}

export const NEWS2_COLOURS: Partial<Record<MeasurementCode, ThresholdsConfig>> = {
  // "Respiration rate": ≤8 → 3, 9–11 → 1, 12–20 → 0, 21–24 → 2, ≥25 → 3
  respiratory_rate: steps(RED, [8.5, YELLOW], [11.5, GREEN], [20.5, ORANGE], [24.5, RED]),
  // "SpO2 Scale 1": ≤91 → 3, 92–93 → 2, 94–95 → 1, ≥96 → 0
  spo2: steps(RED, [91.5, ORANGE], [93.5, YELLOW], [95.5, GREEN]),
  // "Air or oxygen?": oxygen → 2
  supplemental_oxygen: steps(GREEN, [0.5, ORANGE]),
  // "Systolic blood pressure": ≤90 → 3, 91–100 → 2, 101–110 → 1, 111–219 → 0, ≥220 → 3
  systolic_bp: steps(RED, [90.5, ORANGE], [100.5, YELLOW], [110.5, GREEN], [219.5, RED]),
  // "Pulse": ≤40 → 3, 41–50 → 1, 51–90 → 0, 91–110 → 1, 111–130 → 2, ≥131 → 3
  heart_rate: steps(RED, [40.5, YELLOW], [50.5, GREEN], [90.5, YELLOW], [110.5, ORANGE], [130.5, RED]),
  // "Consciousness": Alert → 0, new Confusion, Voice, Pain, Unresponsive → 3 (ACVPU ordinal 0..4)
  consciousness: steps(GREEN, [0.5, RED]),
  // "Temperature": ≤35.0 → 3, 35.1–36.0 → 1, 36.1–38.0 → 0, 38.1–39.0 → 1, ≥39.1 → 2
  temperature: steps(RED, [35.05, YELLOW], [36.05, GREEN], [38.05, YELLOW], [39.05, ORANGE]),
};

/** a single colour for fields NEWS2 does not score */
export const NEUTRAL: ThresholdsConfig = steps(GREEN);
