import fs from 'node:fs';
import path from 'node:path';

/**
 * dataDir/chain.json: the VitalsAnchor this installation deployed, per chain. The key is the chain
 * id plus the genesis block hash, so a chain restarted from its state (same genesis) reuses its
 * contract while a fresh chain with the same id (a new anvil) gets a fresh deployment.
 */
export interface Deployment {
  readonly contract: string;
  readonly txHash: string;
  readonly blockNumber: number;
  readonly deployedAt: string;
}

interface DeploymentsFile {
  readonly deployments: Record<string, Deployment>;
}

export function deploymentKey(chainId: number, genesisHash: string): string {
  return `${chainId}:${genesisHash.toLowerCase()}`;
}

export class DeploymentRecord {
  readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'chain.json');
  }

  find(key: string): Deployment | undefined {
    return this.read().deployments[key];
  }

  save(key: string, deployment: Deployment): void {
    const body: DeploymentsFile = { deployments: { ...this.read().deployments, [key]: deployment } };
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const temporary = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, `${JSON.stringify(body, null, 2)}\n`);
    fs.renameSync(temporary, this.file);
  }

  private read(): DeploymentsFile {
    if (!fs.existsSync(this.file)) return { deployments: {} };
    const parsed = JSON.parse(fs.readFileSync(this.file, 'utf8')) as Partial<DeploymentsFile>;
    return { deployments: parsed.deployments ?? {} };
  }
}
