import { randomBytes } from 'node:crypto';
import { Role } from '@pulseproof/contracts';
import { UserStore } from './user-store';
import { WardStore } from './ward-store';

/** The ward the simulated patients and the demo clinician start in. */
export const DEFAULT_WARD = { id: 'ward-a', name: 'Ward A' } as const;

export interface FirstAccount {
  readonly username: string;
  readonly role: Role;
  /** shown once, in the start summary; stored only as a scrypt hash */
  readonly password: string;
}

const DEMO: readonly { username: string; role: Role }[] = [
  { username: 'admin', role: 'admin' },
  { username: 'clinician', role: 'clinician' },
  { username: 'auditor', role: 'auditor' },
];

/**
 * On the very first start (no users at all) the embedded default creates one account per role,
 * with random 128-bit passwords printed once, and the default ward with the demo clinician in it,
 * so `npm ci && npm start` is usable without another step. Later starts change nothing: accounts
 * are then managed with `pulseproof users` or /api/users. Returns the accounts it created.
 */
export async function ensureFirstAccounts(users: UserStore, wards: WardStore): Promise<FirstAccount[]> {
  if (!wards.exists(DEFAULT_WARD.id)) wards.add(DEFAULT_WARD);
  if (users.count() > 0) return [];
  const created: FirstAccount[] = [];
  for (const { username, role } of DEMO) {
    const password = randomBytes(16).toString('base64url');
    await users.add({ username, role, password, ...(role === 'clinician' && { wards: [DEFAULT_WARD.id] }) });
    created.push({ username, role, password });
  }
  return created;
}

/** The start-summary lines for the accounts just created (nothing on later starts). */
export function firstAccountLines(created: readonly FirstAccount[]): string[] {
  if (created.length === 0) return [];
  return [
    '  first accounts (shown once; change with `npx pulseproof users reset-password <name>`):',
    ...created.map((a) => `    ${a.role.padEnd(9)} ${a.username} / ${a.password}`),
  ];
}
