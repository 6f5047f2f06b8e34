import type { ThresholdsConfig } from '@grafana/schema';
import { Measurements } from '@pulseproof/contracts';
// The scorer the alerts service raises NEWS2 alerts with: the colours must say what it scores.
import { NEWS2_PARAMETERS, scoreNews2 } from '../../../services/alerts/src/news2';
import { NEWS2_COLOURS } from './news2-colours';

const COLOUR_OF_POINTS = ['green', 'yellow', 'orange', 'red'];

/** Grafana's rule: the colour of the last step whose value is at or below the value (the first step is -Infinity) */
function colourOf(thresholds: ThresholdsConfig, value: number): string {
  let colour = thresholds.steps[0]!.color;
  for (const step of thresholds.steps.slice(1)) if (value >= step.value!) colour = step.color;
  return colour;
}

/** every value a device may plausibly send for a parameter, in steps of its kept precision around band edges */
function sweep(parameter: string): number[] {
  const ranges: Record<string, [number, number, number]> = {
    respiratory_rate: [0, 40, 0.1],
    spo2: [70, 100, 0.1],
    supplemental_oxygen: [0, 1, 1],
    systolic_bp: [50, 260, 0.1],
    heart_rate: [20, 200, 0.1],
    consciousness: [0, 4, 1],
    temperature: [33, 42, 0.01],
  };
  const [from, to, step] = ranges[parameter]!;
  const values: number[] = [];
  for (let i = 0; from + i * step <= to + 1e-9; i += 1) values.push(Math.round((from + i * step) * 1000) / 1000);
  return values;
}

describe('NEWS2 colours', () => {
  it.each(NEWS2_PARAMETERS)('colours %s by the points the alerts service scores it', (parameter) => {
    const thresholds = NEWS2_COLOURS[parameter]!;
    expect(thresholds).toBeDefined();
    const wrong: string[] = [];
    for (const value of sweep(parameter)) {
      const score = scoreNews2({ [parameter]: value } as Measurements, { spo2Scale: 1 }).parameters.find((p) => p.parameter === parameter)!.score;
      const colour = colourOf(thresholds, value);
      if (colour !== COLOUR_OF_POINTS[score]) wrong.push(`${value}: ${colour}, scores ${score}`);
    }
    expect(wrong).toEqual([]);
  });

  it('starts every threshold list at -Infinity (null), in ascending order, as Grafana requires', () => {
    for (const thresholds of Object.values(NEWS2_COLOURS)) {
      expect(thresholds!.steps[0]!.value).toBeNull();
      const values = thresholds!.steps.slice(1).map((s) => s.value!);
      expect(values).toEqual([...values].sort((a, b) => a - b));
    }
  });
});
