import { UnitRecord } from './dispatch-model';
import { unitViewFor } from './dispatch-views';

describe('GET /api/units as the caller may see it', () => {
  const onScene: UnitRecord = { unitId: 'amb-1', status: 'on_scene', lat: 51.5, lon: -0.12, dispatchId: 'd-1', reportedAt: 1_000, receivedAt: 1_001 };
  const free: UnitRecord = { ...onScene, unitId: 'amb-2', status: 'available', dispatchId: null };
  const patientOf = (id: string) => (id === 'd-1' ? 'p-home' : undefined);

  it("hides the dispatch and the position of a unit serving a patient outside the caller's wards", () => {
    const view = unitViewFor(onScene, (p) => p !== 'p-home', patientOf);
    expect(view).toEqual({ unitId: 'amb-1', status: 'busy', dispatchId: null, reportedAt: 1_000, receivedAt: 1_001 });
    expect(JSON.stringify(view)).not.toMatch(/51\.5|d-1|lat|lon/);
  });

  it("shows everything when the caller may see the patient, and a unit on no dispatch to anyone", () => {
    expect(unitViewFor(onScene, () => true, patientOf)).toEqual(onScene);
    expect(unitViewFor(free, () => false, patientOf)).toEqual(free);
  });

  it('hides a unit whose dispatch is not known (no patient to check)', () => {
    expect(unitViewFor({ ...onScene, dispatchId: 'd-gone' } as UnitRecord, () => true, patientOf)).toMatchObject({ status: 'busy', dispatchId: null });
  });
});
