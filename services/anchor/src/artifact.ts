import fs from 'node:fs';
import path from 'node:path';
import type { InterfaceAbi } from 'ethers';
import { AnchorError } from './errors';

/** What scripts/compile-contracts.mjs writes. */
export interface ContractArtifact {
  readonly contractName: string;
  readonly abi: InterfaceAbi;
  readonly bytecode: string;
  readonly compiler: { readonly name: string; readonly version: string; readonly evmVersion: string };
}

/** src/ (jest) and dist/ (node) are both one level under the package folder. */
export const ARTIFACT_PATH = path.join(__dirname, '..', 'artifacts', 'VitalsAnchor.json');

let cached: ContractArtifact | undefined;

export function loadVitalsAnchorArtifact(file = ARTIFACT_PATH): ContractArtifact {
  if (cached && file === ARTIFACT_PATH) return cached;
  if (!fs.existsSync(file)) {
    throw new AnchorError('ANCHOR_E_ARTIFACT_MISSING', `${file} not found: run \`npm run build:contracts\` at the repository root`);
  }
  const artifact = JSON.parse(fs.readFileSync(file, 'utf8')) as ContractArtifact;
  if (file === ARTIFACT_PATH) cached = artifact;
  return artifact;
}

export { VITALS_ANCHOR_VIEWS_ABI } from './views-abi';
