import { AccessPrincipal } from '@pulseproof/contracts';
import { WardStore } from './ward-store';

/**
 * A clinician sees the patients of their wards; admins and auditors are not ward-scoped (auditors
 * are kept off ward views by role, not by ward). A patient with no ward is seen by no clinician.
 */
export class WardScope {
  constructor(private readonly wards: WardStore) {}

  isScoped(principal: AccessPrincipal): boolean {
    return principal.role === 'clinician';
  }

  sees(principal: AccessPrincipal, patientId: string): boolean {
    if (!this.isScoped(principal)) return true;
    const ward = this.wards.wardOf(patientId);
    return ward !== undefined && principal.wards.includes(ward);
  }

  refusal(principal: AccessPrincipal, patientId: string): string {
    const wards = principal.wards.length ? principal.wards.join(', ') : 'none';
    return `patient ${patientId} is not in your wards (${wards}): ask an admin to assign the patient or add you to the patient's ward`;
  }
}
