import { FieldColorModeId, FieldConfig, MappingType, ValueMapping } from '@grafana/schema';
import type { MeasurementCode } from '@pulseproof/contracts';
import { NEUTRAL, NEWS2_COLOURS } from '../news2-colours';

/** How a measurement is shown: units are the catalogue's (packages/contracts/src/measurements.ts). */
export interface Vital {
  readonly code: MeasurementCode;
  readonly label: string;
  /** column header in the ward table */
  readonly short: string;
  /** Grafana unit id; `suffix:` appends the text */
  readonly unit: string;
  readonly decimals: number;
  readonly mappings?: ValueMapping[];
}

const ACVPU: ValueMapping = {
  type: MappingType.ValueToText,
  options: { '0': { text: 'A', index: 0 }, '1': { text: 'C', index: 1 }, '2': { text: 'V', index: 2 }, '3': { text: 'P', index: 3 }, '4': { text: 'U', index: 4 } },
};
const AIR_OR_OXYGEN: ValueMapping = {
  type: MappingType.ValueToText,
  options: { '0': { text: 'Air', index: 0 }, '1': { text: 'O2', index: 1 } },
};

export const VITALS = {
  heart_rate: { code: 'heart_rate', label: 'Heart rate', short: 'HR', unit: 'suffix: /min', decimals: 0 },
  spo2: { code: 'spo2', label: 'SpO2', short: 'SpO2', unit: 'percent', decimals: 0 },
  respiratory_rate: { code: 'respiratory_rate', label: 'Respiratory rate', short: 'RR', unit: 'suffix: /min', decimals: 0 },
  systolic_bp: { code: 'systolic_bp', label: 'Systolic BP', short: 'Sys', unit: 'suffix: mmHg', decimals: 0 },
  diastolic_bp: { code: 'diastolic_bp', label: 'Diastolic BP', short: 'Dia', unit: 'suffix: mmHg', decimals: 0 },
  temperature: { code: 'temperature', label: 'Temperature', short: 'Temp', unit: 'celsius', decimals: 1 },
  consciousness: { code: 'consciousness', label: 'Consciousness (ACVPU)', short: 'ACVPU', unit: 'none', decimals: 0, mappings: [ACVPU] },
  supplemental_oxygen: { code: 'supplemental_oxygen', label: 'Air or oxygen', short: 'Air/O2', unit: 'none', decimals: 0, mappings: [AIR_OR_OXYGEN] },
  battery: { code: 'battery', label: 'Device battery', short: 'Battery', unit: 'percent', decimals: 0 },
} as const satisfies Record<string, Vital>;

/** the NEWS2 parameters in Chart 1's order, then diastolic BP (charted, not scored) */
export const WARD_COLUMNS: readonly Vital[] = [
  VITALS.respiratory_rate,
  VITALS.spo2,
  VITALS.supplemental_oxygen,
  VITALS.systolic_bp,
  VITALS.diastolic_bp,
  VITALS.heart_rate,
  VITALS.consciousness,
  VITALS.temperature,
];

/** unit, decimals, value names and NEWS2 colours of one vital */
export function vitalField(vital: Vital): FieldConfig {
  return {
    unit: vital.unit,
    decimals: vital.decimals,
    color: { mode: FieldColorModeId.Thresholds },
    thresholds: NEWS2_COLOURS[vital.code] ?? NEUTRAL,
    ...(vital.mappings && { mappings: vital.mappings }),
  };
}
