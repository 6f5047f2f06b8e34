import { Logger } from '@nestjs/common';
import { Contract, ContractFactory, JsonRpcProvider, Network, Wallet, id as keccakOfText } from 'ethers';
import { loadVitalsAnchorArtifact } from '../artifact';
import { AnchorTx, ChainPort, ChainStatus, OnChainAnchor } from '../chain.port';
import { AnchorError, shortError } from '../errors';
import { DeploymentRecord, deploymentKey } from './deployments';
import { withDecodedRevert } from './contract-revert';
import { rpcChainId } from './json-rpc';
import { SendOptions, TransactionSender } from './tx-sender';

export interface EvmChainOptions {
  readonly rpcUrl: string;
  /** never logged */
  readonly privateKey: string;
  readonly contractAddress?: string;
  /** where chain.json records deployments */
  readonly dataDir: string;
  /** blocks to wait for, the mining block included (default 1) */
  readonly confirmations?: number;
  /** give up waiting for one anchoring after this long, ms (default 120,000); it stays watched */
  readonly txTimeoutMs?: number;
  /** replace a transaction not mined after this long at the same nonce with fees +12.5%, ms (default 30,000) */
  readonly resubmitAfterMs?: number;
  /** caps on the EIP-1559 fees offered, gwei (default: none) */
  readonly maxFeePerGasGwei?: number;
  readonly maxPriorityFeePerGasGwei?: number;
  /** how often the provider polls for new blocks and the status refreshes, ms */
  readonly pollingIntervalMs?: number;
}

interface Connection {
  readonly provider: JsonRpcProvider;
  readonly contract: Contract;
  readonly chainId: number;
  readonly address: string;
  readonly sender: TransactionSender;
}

const ANCHORER_ROLE = keccakOfText('ANCHORER_ROLE');

/** ethers' codes (and Node's, which ethers passes through) for a node that cannot be reached. */
const UNREACHABLE = new Set(['NETWORK_ERROR', 'TIMEOUT', 'SERVER_ERROR', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** ChainPort over ethers v6 and JSON-RPC: any EVM node, the embedded anvil included. */
export class EvmChain extends ChainPort {
  private readonly logger = new Logger('EvmChain');
  private readonly deployments: DeploymentRecord;
  private connection: Connection | undefined;
  private connecting: Promise<Connection> | undefined;
  private current: ChainStatus = { reachable: false };
  private statusTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** kept across reconnections to the same chain id: the transaction in flight survives an outage */
  private txSender: TransactionSender | undefined;
  generation = 0;

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

  async anchor(root: string, count: number, fromTs: number, toTs: number, options: SendOptions = {}): Promise<AnchorTx> {
    const { contract, provider, address, sender } = await this.ready();
    const data = contract.interface.encodeFunctionData('anchor', [root, count, fromTs, toTs]);
    // Estimating first surfaces a revert (AlreadyAnchored, a missing role) before any gas is spent.
    // Against 'latest', as anchoredAt is read: some nodes (anvil) estimate on the pending block,
    // where our own waiting transaction would make the root look anchored already.
    const from = sender.address;
    const estimate = await this.track(provider.send('eth_estimateGas', [{ from, to: address, data }, 'latest']) as Promise<string>)
      .then(BigInt)
      .catch((error: unknown) => {
        throw withDecodedRevert(contract, error);
      });
    // 20% headroom: a storage slot's cost can differ between the estimate and the mined block.
    const receipt = await this.track(sender.send(root, { to: address, data, gasLimit: (estimate * 6n) / 5n }, options));
    if (receipt.status !== 1) throw new AnchorError('ANCHOR_E_TX_REVERTED', `anchor transaction ${receipt.hash} reverted in block ${receipt.blockNumber}`);
    const block = await this.track(provider.getBlock(receipt.blockHash));
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

  async blockNumber(): Promise<number> {
    const { provider } = await this.ready();
    return this.track(provider.getBlockNumber());
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
        this.generation++;
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
      if (this.txSender?.chainId === chainId) this.txSender.use(provider, wallet);
      else this.txSender = this.sender(provider, wallet, chainId);
      return { provider, contract, chainId, address, sender: this.txSender };
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

  private sender(provider: JsonRpcProvider, wallet: Wallet, chainId: number): TransactionSender {
    const gwei = (value: number | undefined) => (value === undefined ? undefined : BigInt(Math.round(value * 1e9)));
    return new TransactionSender(provider, wallet, chainId, {
      confirmations: this.options.confirmations ?? 1,
      resubmitAfterMs: this.options.resubmitAfterMs ?? 30_000,
      txTimeoutMs: this.options.txTimeoutMs ?? 120_000,
      pollingIntervalMs: this.options.pollingIntervalMs ?? 1_000,
      caps: { maxFeePerGas: gwei(this.options.maxFeePerGasGwei), maxPriorityFeePerGas: gwei(this.options.maxPriorityFeePerGasGwei) },
    }, () => this.closed);
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
      const { code, value } = error as { code?: string; value?: unknown };
      if (code !== undefined && UNREACHABLE.has(code)) {
        this.current = { ...this.current, reachable: false, lastError: shortError(error) };
        this.reconnectNext();
      } else if (code === 'BAD_DATA' && value === '0x') {
        // The contract answered nothing: no code at the address any more (the node came back as
        // a fresh chain). Reconnecting deploys or finds it again; the batcher then reconciles.
        this.reconnectNext();
      }
      throw error;
    }
  }

  /**
   * The next call connects anew: checks the chain id, the contract code (deploying on a fresh
   * embedded chain) and bumps `generation`, which makes the batcher reconcile every batch.
   */
  private reconnectNext(): void {
    const old = this.connection;
    if (!old) return;
    this.connection = undefined;
    if (this.statusTimer) clearInterval(this.statusTimer);
    old.provider.destroy();
  }
}
