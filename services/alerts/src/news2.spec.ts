import { Measurements } from '@pulseproof/contracts';
import { News2Parameter, News2Points, news2ResponseBand, scoreNews2, toChartUnits } from './news2';

/** A complete set of vitals that scores 0 on every Chart 1 row (scale 1, on air). */
const NORMAL: Measurements = {
  respiratory_rate: 16,
  spo2: 97,
  supplemental_oxygen: 0,
  systolic_bp: 120,
  heart_rate: 70,
  consciousness: 0,
  temperature: 37,
};

function pointsOf(parameter: News2Parameter, vitals: Measurements, spo2Scale: 1 | 2 = 1): number | undefined {
  return scoreNews2(vitals, { spo2Scale }).parameters.find((p) => p.parameter === parameter)?.score;
}

// Both sides of every printed boundary of Chart 1, row by row.
const boundaries: [News2Parameter, number, News2Points][] = [
  // Respiration rate: ≤8 → 3, 9–11 → 1, 12–20 → 0, 21–24 → 2, ≥25 → 3
  ['respiratory_rate', 0, 3],
  ['respiratory_rate', 8, 3],
  ['respiratory_rate', 9, 1],
  ['respiratory_rate', 11, 1],
  ['respiratory_rate', 12, 0],
  ['respiratory_rate', 20, 0],
  ['respiratory_rate', 21, 2],
  ['respiratory_rate', 24, 2],
  ['respiratory_rate', 25, 3],
  ['respiratory_rate', 60, 3],
  // SpO2 scale 1: ≤91 → 3, 92–93 → 2, 94–95 → 1, ≥96 → 0
  ['spo2', 70, 3],
  ['spo2', 91, 3],
  ['spo2', 92, 2],
  ['spo2', 93, 2],
  ['spo2', 94, 1],
  ['spo2', 95, 1],
  ['spo2', 96, 0],
  ['spo2', 100, 0],
  // Air or oxygen: oxygen → 2, air → 0
  ['supplemental_oxygen', 0, 0],
  ['supplemental_oxygen', 1, 2],
  // Systolic BP: ≤90 → 3, 91–100 → 2, 101–110 → 1, 111–219 → 0, ≥220 → 3
  ['systolic_bp', 60, 3],
  ['systolic_bp', 90, 3],
  ['systolic_bp', 91, 2],
  ['systolic_bp', 100, 2],
  ['systolic_bp', 101, 1],
  ['systolic_bp', 110, 1],
  ['systolic_bp', 111, 0],
  ['systolic_bp', 219, 0],
  ['systolic_bp', 220, 3],
  ['systolic_bp', 260, 3],
  // Pulse: ≤40 → 3, 41–50 → 1, 51–90 → 0, 91–110 → 1, 111–130 → 2, ≥131 → 3
  ['heart_rate', 30, 3],
  ['heart_rate', 40, 3],
  ['heart_rate', 41, 1],
  ['heart_rate', 50, 1],
  ['heart_rate', 51, 0],
  ['heart_rate', 90, 0],
  ['heart_rate', 91, 1],
  ['heart_rate', 110, 1],
  ['heart_rate', 111, 2],
  ['heart_rate', 130, 2],
  ['heart_rate', 131, 3],
  ['heart_rate', 180, 3],
  // Consciousness: A → 0; new confusion, V, P, U → 3
  ['consciousness', 0, 0],
  ['consciousness', 1, 3],
  ['consciousness', 2, 3],
  ['consciousness', 3, 3],
  ['consciousness', 4, 3],
  // Temperature: ≤35.0 → 3, 35.1–36.0 → 1, 36.1–38.0 → 0, 38.1–39.0 → 1, ≥39.1 → 2
  ['temperature', 33, 3],
  ['temperature', 35.0, 3],
  ['temperature', 35.1, 1],
  ['temperature', 36.0, 1],
  ['temperature', 36.1, 0],
  ['temperature', 38.0, 0],
  ['temperature', 38.1, 1],
  ['temperature', 39.0, 1],
  ['temperature', 39.1, 2],
  ['temperature', 41, 2],
];

describe('NEWS2 Chart 1 bands', () => {
  it.each(boundaries)('%s %p scores %p', (parameter, value, expected) => {
    expect(pointsOf(parameter, { ...NORMAL, [parameter]: value })).toBe(expected);
  });
});

// Values between printed bands are rounded half-up to the row's printed precision first.
const betweenBands: [News2Parameter, number, News2Points][] = [
  ['temperature', 35.04, 3], // charted 35.0
  ['temperature', 35.05, 1], // charted 35.1 (a binary-float 35.05 is 35.04999…: must not round down)
  ['temperature', 36.049, 1], // charted 36.0
  ['temperature', 36.05, 0], // charted 36.1
  ['temperature', 38.049, 0], // charted 38.0
  ['temperature', 38.05, 1], // charted 38.1
  ['temperature', 39.049, 1], // charted 39.0
  ['temperature', 39.05, 2], // charted 39.1
  ['respiratory_rate', 8.499, 3], // charted 8
  ['respiratory_rate', 8.5, 1], // charted 9
  ['respiratory_rate', 20.5, 2], // charted 21
  ['spo2', 91.499, 3], // charted 91
  ['spo2', 91.5, 2], // charted 92
  ['spo2', 95.5, 0], // charted 96
  ['systolic_bp', 90.5, 2], // charted 91
  ['systolic_bp', 219.5, 3], // charted 220
  ['heart_rate', 40.5, 1], // charted 41
  ['heart_rate', 130.499, 2], // charted 130
  ['heart_rate', 130.5, 3], // charted 131
];

describe('NEWS2 values between printed bands', () => {
  it.each(betweenBands)('%s %p scores %p', (parameter, value, expected) => {
    expect(pointsOf(parameter, { ...NORMAL, [parameter]: value })).toBe(expected);
  });

  it('rounds on the kept fixed-point value, not on binary floating point', () => {
    expect(toChartUnits(35.05, 1)).toBe(351);
    expect(toChartUnits(35.049, 1)).toBe(350);
    expect(toChartUnits(1.005, 0)).toBe(1);
    expect(toChartUnits(0.5, 0)).toBe(1);
  });
});

// Chart 1, SpO2 scale 2: ≤83 → 3, 84–85 → 2, 86–87 → 1, 88–92 → 0, ≥93 on air → 0,
// 93–94 on oxygen → 1, 95–96 on oxygen → 2, ≥97 on oxygen → 3.
const scale2: [number, 0 | 1, News2Points][] = [
  [80, 0, 3],
  [83, 0, 3],
  [83, 1, 3],
  [84, 0, 2],
  [85, 1, 2],
  [86, 0, 1],
  [87, 1, 1],
  [88, 0, 0],
  [88, 1, 0],
  [92, 0, 0],
  [92, 1, 0],
  [93, 0, 0],
  [93, 1, 1],
  [94, 1, 1],
  [95, 0, 0],
  [95, 1, 2],
  [96, 1, 2],
  [97, 0, 0],
  [97, 1, 3],
  [100, 0, 0],
  [100, 1, 3],
];

describe('NEWS2 SpO2 scale 2', () => {
  it.each(scale2)('SpO2 %p with supplemental_oxygen %p scores %p', (spo2, oxygen, expected) => {
    expect(pointsOf('spo2', { ...NORMAL, spo2, supplemental_oxygen: oxygen }, 2)).toBe(expected);
  });

  it('is not used unless asked for: the default is scale 1', () => {
    expect(pointsOf('spo2', { ...NORMAL, spo2: 88 })).toBe(3);
    expect(pointsOf('spo2', { ...NORMAL, spo2: 88 }, 2)).toBe(0);
  });

  it('scores ≥93 as on air when the air/oxygen row is missing, and says it is missing', () => {
    const { supplemental_oxygen: _, ...withoutOxygen } = NORMAL;
    const result = scoreNews2({ ...withoutOxygen, spo2: 98 }, { spo2Scale: 2 });
    expect(result.parameters.find((p) => p.parameter === 'spo2')?.score).toBe(0);
    expect(result.missing).toEqual(['supplemental_oxygen']);
    expect(result.complete).toBe(false);
  });

  it('adds the air/oxygen row on top of the SpO2 row', () => {
    // SpO2 97 on oxygen: SpO2 scale 2 → 3, oxygen → 2
    expect(scoreNews2({ ...NORMAL, spo2: 97, supplemental_oxygen: 1 }, { spo2Scale: 2 }).total).toBe(5);
  });
});

describe('Chart 4 response bands, both sides of every threshold', () => {
  it.each([
    [0, false, 'none'],
    [1, false, 'low'],
    [4, false, 'low'],
    [3, true, 'low-medium'], // red score: 3 in a single parameter
    [4, true, 'low-medium'],
    [5, false, 'medium'],
    [5, true, 'medium'], // an aggregate of 5 outranks the red score
    [6, true, 'medium'],
    [7, false, 'high'],
    [7, true, 'high'],
    [20, true, 'high'],
  ] as const)('aggregate %p, single 3 %p: %s', (total, anySingleThree, band) => {
    expect(news2ResponseBand(total, anySingleThree)).toBe(band);
  });
});

describe('NEWS2 aggregate and Chart 4 response bands', () => {
  const cases: [string, Measurements, number, boolean, string][] = [
    ['all normal', NORMAL, 0, false, 'none'],
    ['aggregate 1', { ...NORMAL, heart_rate: 95 }, 1, false, 'low'],
    ['aggregate 4', { ...NORMAL, heart_rate: 115, respiratory_rate: 22 }, 4, false, 'low'],
    ['a single 3 below 5', { ...NORMAL, respiratory_rate: 26 }, 3, true, 'low-medium'],
    ['a single 3 plus 1', { ...NORMAL, respiratory_rate: 26, heart_rate: 95 }, 4, true, 'low-medium'],
    ['aggregate 5', { ...NORMAL, supplemental_oxygen: 1, heart_rate: 115, temperature: 38.5 }, 5, false, 'medium'],
    ['aggregate 6 with a 3', { ...NORMAL, respiratory_rate: 26, heart_rate: 115, temperature: 38.5 }, 6, true, 'medium'],
    ['aggregate 7', { ...NORMAL, respiratory_rate: 26, spo2: 93, heart_rate: 115 }, 7, true, 'high'],
    [
      'everything at its worst',
      { respiratory_rate: 30, spo2: 85, supplemental_oxygen: 1, systolic_bp: 85, heart_rate: 140, consciousness: 4, temperature: 34 },
      20,
      true,
      'high',
    ],
  ];
  it.each(cases)('%s', (_name, vitals, total, anySingleThree, band) => {
    const result = scoreNews2(vitals);
    expect(result.total).toBe(total);
    expect(result.anySingleThree).toBe(anySingleThree);
    expect(result.responseBand).toBe(band);
    expect(result.complete).toBe(true);
    expect(result.missing).toEqual([]);
  });

  it('lists the scored parameters in Chart 1 row order with their values', () => {
    const result = scoreNews2({ ...NORMAL, respiratory_rate: 26, temperature: 38.5 });
    expect(result.parameters.map((p) => [p.parameter, p.value, p.score])).toEqual([
      ['respiratory_rate', 26, 3],
      ['spo2', 97, 0],
      ['supplemental_oxygen', 0, 0],
      ['systolic_bp', 120, 0],
      ['heart_rate', 70, 0],
      ['consciousness', 0, 0],
      ['temperature', 38.5, 1],
    ]);
  });
});

describe('NEWS2 with missing parameters', () => {
  it('is never silently normal: nothing measured is incomplete with every row missing', () => {
    const result = scoreNews2({});
    expect(result.complete).toBe(false);
    expect(result.missing).toEqual([
      'respiratory_rate',
      'spo2',
      'supplemental_oxygen',
      'systolic_bp',
      'heart_rate',
      'consciousness',
      'temperature',
    ]);
    expect(result.parameters).toEqual([]);
    expect(result.total).toBe(0);
    expect(result.responseBand).toBe('incomplete');
  });

  it.each([
    ['a partial 0', { heart_rate: 70, spo2: 97 }, 0, 'incomplete'],
    ['a partial 1–4', { heart_rate: 95, spo2: 94 }, 2, 'incomplete'],
    ['a partial red score', { heart_rate: 135 }, 3, 'low-medium'],
    ['a partial 5–6', { heart_rate: 135, respiratory_rate: 22 }, 5, 'medium'],
    ['a partial 7+', { heart_rate: 135, respiratory_rate: 26, spo2: 93 }, 8, 'high'],
  ] as const)('reports %s below the triggers as incomplete, and one that triggers as its (lower-bound) band', (_name, vitals, total, band) => {
    const result = scoreNews2(vitals);
    expect(result).toMatchObject({ total, complete: false, responseBand: band });
  });

  it('scores what is there as a lower bound and lists what is not', () => {
    const result = scoreNews2({ heart_rate: 135, respiratory_rate: 23, battery: 80 });
    expect(result.total).toBe(5);
    expect(result.anySingleThree).toBe(true);
    expect(result.responseBand).toBe('medium');
    expect(result.complete).toBe(false);
    expect(result.missing).toEqual(['spo2', 'supplemental_oxygen', 'systolic_bp', 'consciousness', 'temperature']);
  });

  it('treats a non-finite value as missing', () => {
    const result = scoreNews2({ ...NORMAL, heart_rate: Number.NaN, temperature: Number.POSITIVE_INFINITY });
    expect(result.missing).toEqual(['heart_rate', 'temperature']);
    expect(result.complete).toBe(false);
  });
});
