import { randomBytes } from 'node:crypto';
import { Contract, JsonRpcProvider, Wallet, ZeroHash, hexlify, id } from 'ethers';
import { AnvilNode } from './adapters/anvil-node';
import { EvmChain } from './adapters/evm-chain';
import { loadVitalsAnchorArtifact } from './artifact';
import { ensureArtifact, removeDir, tempDir } from './testing.spec-helper';

// Anvil's public dev account 1 (same well-known mnemonic as account 0): never granted a role.
const OUTSIDER_KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
const randomRoot = () => hexlify(randomBytes(32));

describe('VitalsAnchor contract', () => {
  let anvil: AnvilNode;
  let chain: EvmChain;
  let provider: JsonRpcProvider;
  let dir: string;

  beforeAll(async () => {
    ensureArtifact();
    dir = tempDir('contract');
    anvil = await AnvilNode.start();
    chain = new EvmChain({ rpcUrl: anvil.rpcUrl, privateKey: anvil.privateKey, dataDir: dir });
    await chain.connect();
    provider = new JsonRpcProvider(anvil.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
  }, 60_000);

  afterAll(async () => {
    provider?.destroy();
    await chain?.close();
    await anvil?.stop();
    removeDir(dir);
  });

  const contractAs = (key: string) => new Contract(chain.contractAddress, loadVitalsAnchorArtifact().abi, new Wallet(key, provider));

  it('gives the deployer the admin and anchorer roles', async () => {
    const contract = contractAs(anvil.privateKey);
    const deployer = new Wallet(anvil.privateKey).address;
    expect(await contract.getFunction('hasRole')(ZeroHash, deployer)).toBe(true);
    expect(await contract.getFunction('hasRole')(id('ANCHORER_ROLE'), deployer)).toBe(true);
    expect(await contract.getFunction('ANCHORER_ROLE')()).toBe(id('ANCHORER_ROLE'));
  });

  it('records block, time and count of an anchored root and emits Anchored', async () => {
    const root = randomRoot();
    const tx = await chain.anchor(root, 42, 1_795_000_000_000, 1_795_000_009_000);
    const block = await provider.getBlock(tx.blockNumber);
    expect(await chain.anchoredAt(root)).toEqual({ blockNumber: tx.blockNumber, timestamp: block!.timestamp, count: 42 });
    expect(tx.blockHash).toBe(block!.hash);
    const contract = contractAs(anvil.privateKey);
    const [event] = await contract.queryFilter(contract.filters['Anchored']!(root), tx.blockNumber, tx.blockNumber);
    expect(event && 'args' in event ? [...event.args] : []).toEqual([root, 42n, 1_795_000_000_000n, 1_795_000_009_000n, new Wallet(anvil.privateKey).address]);
    expect(await chain.findAnchorTx(root, tx.blockNumber)).toEqual({ ...tx, gasUsed: undefined });
    // Measured once, reported (not asserted): one anchor() call, a root in one fresh storage slot.
    process.stdout.write(`\nVitalsAnchor.anchor() gas used: ${tx.gasUsed}\n`);
  });

  it('answers zeros for a root it never saw', async () => {
    expect(await chain.anchoredAt(randomRoot())).toBeUndefined();
    const [blockNumber, timestamp, count] = await contractAs(anvil.privateKey).getFunction('anchoredAt')(randomRoot());
    expect([blockNumber, timestamp, count]).toEqual([0n, 0n, 0n]);
  });

  it('refuses a caller without ANCHORER_ROLE', async () => {
    const outsider = contractAs(OUTSIDER_KEY);
    const root = randomRoot();
    const error = (await outsider.getFunction('anchor')(root, 1, 0, 0).catch((e: unknown) => e)) as { data?: string };
    const revert = outsider.interface.parseError(error.data ?? '0x');
    expect(revert?.name).toBe('AccessControlUnauthorizedAccount');
    expect([...revert!.args]).toEqual([new Wallet(OUTSIDER_KEY).address, id('ANCHORER_ROLE')]);
    expect(await chain.anchoredAt(root)).toBeUndefined();
  });

  it('refuses to anchor a root twice', async () => {
    const root = randomRoot();
    const first = await chain.anchor(root, 3, 0, 0);
    await expect(chain.anchor(root, 3, 0, 0)).rejects.toMatchObject({ revert: { name: 'AlreadyAnchored', args: [root, BigInt(first.blockNumber)] } });
    expect((await chain.anchoredAt(root))?.blockNumber).toBe(first.blockNumber);
  });

  it('refuses the zero root', async () => {
    await expect(chain.anchor(ZeroHash, 1, 0, 0)).rejects.toMatchObject({ revert: { name: 'ZeroRoot' } });
  });
});
