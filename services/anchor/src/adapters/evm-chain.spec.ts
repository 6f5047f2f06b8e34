import fs from 'node:fs';
import path from 'node:path';
import { ensureArtifact, removeDir, tempDir } from '../testing.spec-helper';
import { AnvilNode } from './anvil-node';
import { EvmChain } from './evm-chain';
import { jsonRpc } from './json-rpc';

const ZERO_ADDRESS_LIKE = '0x00000000000000000000000000000000000000aa';

describe('AnvilNode and EvmChain', () => {
  const nodes: AnvilNode[] = [];
  const chains: EvmChain[] = [];
  let dir: string;

  beforeAll(() => ensureArtifact());
  beforeEach(() => {
    dir = tempDir('chain');
  });
  afterEach(async () => {
    await Promise.all(chains.splice(0).map((c) => c.close()));
    await Promise.all(nodes.splice(0).map((n) => n.stop()));
    removeDir(dir);
  });

  const start = async (dataDir?: string) => {
    const node = await AnvilNode.start(dataDir ? { dataDir } : {});
    nodes.push(node);
    return node;
  };
  const connect = async (node: AnvilNode, contractAddress?: string) => {
    const chain = new EvmChain({ rpcUrl: node.rpcUrl, privateKey: node.privateKey, dataDir: dir, contractAddress });
    chains.push(chain);
    await chain.connect();
    return chain;
  };
  const deployments = () => JSON.parse(fs.readFileSync(path.join(dir, 'chain.json'), 'utf8')).deployments as Record<string, { contract: string }>;

  it('starts anvil from node_modules on a free loopback port and stops it, twice safely', async () => {
    expect(fs.existsSync(AnvilNode.binaryPath())).toBe(true);
    const node = await start();
    expect(node.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await jsonRpc<string>(node.rpcUrl, 'eth_chainId')).toBe('0x7a69');
    await node.stop();
    await node.stop();
    await expect(jsonRpc(node.rpcUrl, 'eth_chainId', [], 1_000)).rejects.toThrow(`rpc unreachable: ${node.rpcUrl}`);
  });

  it('says why when anvil cannot run', async () => {
    await expect(AnvilNode.start({ binary: path.join(dir, 'no-anvil-here') })).rejects.toThrow('ANCHOR_E_ANVIL_START');
  });

  it('reuses its contract on a chain restarted from its state, and deploys afresh on a fresh chain', async () => {
    const stateDir = path.join(dir, 'anvil');
    const first = await start(stateDir);
    const chain = await connect(first);
    const root = `0x${'ab'.repeat(32)}`;
    const anchored = await chain.anchor(root, 5, 1, 2);
    const address = chain.contractAddress;
    expect(Object.values(deployments()).map((d) => d.contract)).toEqual([address]);
    await chain.close();
    await first.stop();
    expect(fs.existsSync(path.join(stateDir, 'anvil-state.json'))).toBe(true);

    const restarted = await start(stateDir);
    const again = await connect(restarted);
    expect(again.contractAddress).toBe(address);
    expect(Object.keys(deployments())).toHaveLength(1);
    expect(await again.anchoredAt(root)).toMatchObject({ blockNumber: anchored.blockNumber, count: 5 });
    expect((await again.findAnchorTx(root, anchored.blockNumber))?.txHash).toBe(anchored.txHash);

    // A fresh anvil started within the same second has the same genesis hash; the code check
    // (not the key alone) is what makes it deploy again.
    const fresh = await start();
    const other = await connect(fresh);
    const genesis = await jsonRpc<{ hash: string }>(fresh.rpcUrl, 'eth_getBlockByNumber', ['0x0', false]);
    expect(deployments()[`31337:${genesis.hash}`]?.contract).toBe(other.contractAddress);
    expect(await jsonRpc<string>(fresh.rpcUrl, 'eth_getCode', [other.contractAddress, 'latest'])).not.toBe('0x');
    expect(await other.anchoredAt(root)).toBeUndefined();
  }, 60_000);

  it('refuses a configured contract address without code', async () => {
    const node = await start();
    await expect(connect(node, ZERO_ADDRESS_LIKE)).rejects.toThrow('ANCHOR_E_NO_CONTRACT');
  });

  it('reports an unreachable endpoint without hanging', async () => {
    const node = await start();
    const url = node.rpcUrl;
    await node.stop();
    const chain = new EvmChain({ rpcUrl: url, privateKey: node.privateKey, dataDir: dir });
    chains.push(chain);
    await expect(chain.chainId()).rejects.toThrow(`rpc unreachable: ${url}`);
    expect(chain.status()).toMatchObject({ reachable: false });
    expect(() => chain.contractAddress).toThrow('ANCHOR_E_CHAIN_NOT_READY');
  });
});
