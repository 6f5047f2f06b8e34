import { Logger } from '@nestjs/common';
import { Contract, ContractFactory, ContractTransactionReceipt, ContractTransactionResponse, JsonRpcProvider, Network, Wallet, id as keccakOfText } from 'ethers';
import { loadVitalsAnchorArtifact } from '../artifact';
import { AnchorTx, ChainPort, ChainStatus, OnChainAnchor } from '../chain.port';
import { AnchorError, shortError } from '../errors';
import { DeploymentRecord, deploymentKey } from './deployments';
import { rpcChainId } from './json-rpc';

export interface EvmChainOptions {
  readonly rpcUrl: string;
  /** never logged */
  readonly privateKey: string;
  readonly contractAddress?: string;
  /** where chain.json records deployments */
  readonly dataDir: string;
  readonly confirmations?: number;
  readonly txTimeoutMs?: number;
  /** how often the provider polls for new blocks and the status refreshes, ms */
  readonly pollingIntervalMs?: number;
}

interface Connection {
  readonly provider: JsonRpcProvider;
  readonly contract: Contract;
  readonly chainId: number;
  readonly address: string;
}

const ANCHORER_ROLE = keccakOfText('ANCHORER_ROLE');

/** ChainPort over ethers v6 and JSON-RPC: any EVM node, the embedded anvil included. */
export class EvmChain extends ChainPort {
  private readonly logger = new Logger('EvmChain');
  private readonly deployments: DeploymentRecord;
  private connection: Connection | undefined;
  private connecting: Promise<Connection> | undefined;
  private current: ChainStatus = { reachable: false };
  private statusTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: EvmChainOptions) {
    super();
    this.deployments = new DeploymentRecord(options.dataDir);
  }

  async connect(): Promise<void> {
    await this.ready();
  }

  async chainId(): Promise<number> {
    return (await this.ready()).chainId;
  }

  get contractAddress(): string {
    if (!this.connection) throw new AnchorError('ANCHOR_E_CHAIN_NOT_READY', 'call connect() first');
    return this.connection.address;
  }

  async anchor(root: string, count: number, fromTs: number, toTs: number): Promise<AnchorTx> {
    const { contract, provider } = await this.ready();
    const tx = await this.track<ContractTransactionResponse>(contract.getFunction('anchor')(root, count, fromTs, toTs)).catch(
      (error: unknown) => {
        throw withDecodedRevert(contract, error);
      },
    );
    const receipt = await this.track<ContractTransactionReceipt | null>(tx.wait(this.options.confirmations ?? 1, this.options.txTimeoutMs ?? 120_000));
    if (!receipt || receipt.status !== 1) throw new Error(`anchor transaction ${tx.hash} failed`);
    const block = await provider.getBlock(receipt.blockHash);
    this.current = { ...this.current, block: Math.max(this.current.block ?? 0, receipt.blockNumber) };
    return {
      txHash: receipt.hash,
      blockNumber: receipt.blockNumber,
      blockHash: receipt.blockHash,
      blockTimestamp: block?.timestamp ?? 0,
      gasUsed: receipt.gasUsed,
    };
  }

  async anchoredAt(root: string): Promise<OnChainAnchor | undefined> {
    const { contract } = await this.ready();
    const [blockNumber, timestamp, count] = (await this.track(contract.getFunction('anchoredAt')(root))) as [bigint, bigint, bigint];
    if (blockNumber === 0n) return undefined;
    return { blockNumber: Number(blockNumber), timestamp: Number(timestamp), count: Number(count) };
  }

  async findAnchorTx(root: string, blockNumber: number): Promise<AnchorTx | undefined> {
    const { contract, provider, address } = await this.ready();
    const [log] = await this.track(contract.queryFilter(contract.filters['Anchored']!(root), blockNumber, blockNumber));
    const block = await this.track(provider.getBlock(blockNumber, true));
    if (!block?.hash) return undefined;
    // Without the event (a node that keeps no logs), the transaction is the block's call to the
    // contract whose calldata carries the root.
    const txHash =
      log?.transactionHash ??
      block.prefetchedTransactions.find((tx) => tx.to?.toLowerCase() === address.toLowerCase() && tx.data.includes(root.slice(2).toLowerCase()))
        ?.hash;
    if (!txHash) return undefined;
    return { txHash, blockNumber: block.number, blockHash: block.hash, blockTimestamp: block.timestamp };
  }

  async blockHash(blockNumber: number): Promise<string | undefined> {
    const { provider } = await this.ready();
    return (await this.track(provider.getBlock(blockNumber)))?.hash ?? undefined;
  }

  async verify(root: string, proof: readonly string[], leaf: string): Promise<boolean> {
    const { contract } = await this.ready();
    return (await this.track(contract.getFunction('verify')(root, [...proof], leaf))) as boolean;
  }

  status(): ChainStatus {
    return this.current;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.statusTimer) clearInterval(this.statusTimer);
    this.connection?.provider.destroy();
    this.connection = undefined;
  }

  private ready(): Promise<Connection> {
    if (this.connection) return Promise.resolve(this.connection);
    if (this.closed) return Promise.reject(new AnchorError('ANCHOR_E_CHAIN_NOT_READY', 'the chain adapter is closed'));
    this.connecting ??= this.open().then(
      (connection) => {
        this.connection = connection;
        this.connecting = undefined;
        return connection;
      },
      (error: unknown) => {
        this.connecting = undefined;
        this.current = { ...this.current, reachable: false, lastError: shortError(error) };
        throw error;
      },
    );
    return this.connecting;
  }

  private async open(): Promise<Connection> {
    const { rpcUrl } = this.options;
    const chainId = await rpcChainId(rpcUrl);
    // staticNetwork: the chain id is known, so ethers never re-detects (nor retries detection forever).
    // cacheTimeout -1: no cached answers, or two anchorings 250 ms apart read the same pending nonce.
    const provider = new JsonRpcProvider(rpcUrl, Network.from(chainId), {
      staticNetwork: true,
      cacheTimeout: -1,
      pollingInterval: this.options.pollingIntervalMs ?? 1_000,
    });
    try {
      const wallet = new Wallet(this.options.privateKey, provider);
      const address = this.options.contractAddress ?? (await this.deployedOrDeploy(provider, wallet, chainId));
      if ((await provider.getCode(address)) === '0x') {
        throw new AnchorError('ANCHOR_E_NO_CONTRACT', `no contract code at ${address} on chain ${chainId} (${rpcUrl})`);
      }
      const { abi } = loadVitalsAnchorArtifact();
      const contract = new Contract(address, abi, wallet);
      if (!((await contract.getFunction('hasRole')(ANCHORER_ROLE, wallet.address)) as boolean)) {
        this.logger.warn(`account ${wallet.address} lacks ANCHORER_ROLE on ${address}: anchoring will revert until it is granted`);
      }
      const block = await provider.getBlockNumber();
      this.current = { reachable: true, chainId, contract: address, block };
      this.logger.log(`connected to chain ${chainId} at ${rpcUrl}, VitalsAnchor ${address}, account ${wallet.address}`);
      this.watchStatus(provider);
      return { provider, contract, chainId, address };
    } catch (error) {
      provider.destroy();
      throw error;
    }
  }

  /** The contract recorded for this chain (id + genesis hash) in chain.json, or a new deployment. */
  private async deployedOrDeploy(provider: JsonRpcProvider, wallet: Wallet, chainId: number): Promise<string> {
    const genesis = await provider.getBlock(0);
    if (!genesis?.hash) throw new Error(`chain ${chainId} has no genesis block hash`);
    const key = deploymentKey(chainId, genesis.hash);
    const known = this.deployments.find(key);
    if (known && (await provider.getCode(known.contract)) !== '0x') return known.contract;
    if (known) this.logger.warn(`VitalsAnchor ${known.contract} recorded for chain ${key} has no code; deploying again`);
    const { abi, bytecode } = loadVitalsAnchorArtifact();
    const contract = await new ContractFactory(abi, bytecode, wallet).deploy();
    const deployTx = contract.deploymentTransaction();
    const receipt = await deployTx?.wait(this.options.confirmations ?? 1, this.options.txTimeoutMs ?? 120_000);
    const address = await contract.getAddress();
    this.deployments.save(key, {
      contract: address,
      txHash: deployTx?.hash ?? '',
      blockNumber: receipt?.blockNumber ?? 0,
      deployedAt: new Date().toISOString(),
    });
    this.logger.log(`deployed VitalsAnchor at ${address} on chain ${chainId}`);
    return address;
  }

  /** Keeps status() fresh between anchorings: the latest block, or the error that hid it. */
  private watchStatus(provider: JsonRpcProvider): void {
    if (this.statusTimer) clearInterval(this.statusTimer);
    this.statusTimer = setInterval(() => {
      provider.getBlockNumber().then(
        (block) => (this.current = { ...this.current, reachable: true, block, lastError: undefined }),
        (error: unknown) => (this.current = { ...this.current, reachable: false, lastError: shortError(error) }),
      );
    }, Math.max(this.options.pollingIntervalMs ?? 1_000, 5_000));
    this.statusTimer.unref();
  }

  /** Records reachability from every call, so health reflects the last interaction. */
  private async track<T>(call: Promise<T>): Promise<T> {
    try {
      const result = await call;
      if (!this.current.reachable) this.current = { ...this.current, reachable: true, lastError: undefined };
      return result;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'NETWORK_ERROR' || code === 'TIMEOUT' || code === 'SERVER_ERROR') {
        this.current = { ...this.current, reachable: false, lastError: shortError(error) };
      }
      throw error;
    }
  }
}

/** A revert of VitalsAnchor, named from its ABI. */
export class ContractRevertError extends Error {
  readonly code = 'CALL_EXCEPTION';

  constructor(
    readonly revert: { readonly name: string; readonly signature: string; readonly args: unknown[] },
    readonly data: string,
    cause: unknown,
  ) {
    super(`execution reverted: ${revert.name}(${revert.args.map(String).join(', ')})`, { cause });
    this.name = 'ContractRevertError';
  }

  get shortMessage(): string {
    return this.message;
  }
}

/**
 * A revert caught while estimating gas reaches us undecoded ("unknown custom error"): name it from
 * the contract's ABI (AlreadyAnchored, ZeroRoot, AccessControlUnauthorizedAccount) so logs and
 * callers see what the contract refused.
 */
function withDecodedRevert(contract: Contract, error: unknown): unknown {
  const e = error as { data?: unknown; revert?: unknown };
  if (!e || typeof e !== 'object' || e.revert || typeof e.data !== 'string' || e.data.length < 10) return error;
  const parsed = contract.interface.parseError(e.data);
  if (!parsed) return error;
  return new ContractRevertError({ name: parsed.name, signature: parsed.signature, args: [...parsed.args] }, e.data, error);
}
