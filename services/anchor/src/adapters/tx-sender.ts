import { Logger } from '@nestjs/common';
import { JsonRpcProvider, Transaction, TransactionReceipt, Wallet } from 'ethers';
import { AnchorError, shortError } from '../errors';
import { Eip1559Fees, FeeCaps, bumpedFees, offeredFees } from './fees';

export interface TransactionSenderOptions {
  /** blocks to wait for, the mining block included */
  readonly confirmations: number;
  /** not mined this long after it was sent: replace it at the same nonce with higher fees, ms */
  readonly resubmitAfterMs: number;
  /** give up waiting after this long, ms; the transaction stays tracked for the next attempt */
  readonly txTimeoutMs: number;
  readonly pollingIntervalMs: number;
  readonly caps: FeeCaps;
}

export interface TxRequest {
  readonly to: string;
  readonly data: string;
  readonly gasLimit: bigint;
}

export interface SendOptions {
  /** hears of every version broadcast */
  readonly onSent?: (tx: SentTx) => void;
  /** the transaction last sent for this payload by an earlier run (recorded durably by the caller) */
  readonly earlier?: { readonly hash: string; readonly nonce: number };
}

/** One signed transaction as broadcast; replacements share the nonce. */
export interface SentTx extends Eip1559Fees {
  readonly hash: string;
  readonly nonce: number;
}

interface InFlight {
  readonly key: string;
  readonly nonce: number;
  readonly request: TxRequest;
  /** every version of this payload broadcast at this nonce, oldest first; any of them may be mined */
  readonly sent: (SentTx & { readonly raw?: string })[];
  /** the fees of another payload's transaction this one replaces at the same nonce */
  readonly replaces?: Eip1559Fees;
  lastSentAt: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The one writer of the anchoring account. Nonces are explicit: eth_getTransactionCount(pending)
 * for each new payload, never below the local count (reset after any error), so transactions
 * never race for a nonce and a failure never leaves a gap. A transaction not mined
 * within resubmitAfterMs is replaced at the same nonce with fees raised by at least 12.5%; one the
 * node no longer knows (dropped from its mempool) is broadcast again. It counts as mined once it
 * has `confirmations` blocks; a receipt that disappears meanwhile (a reorg) sends it back to waiting.
 */
export class TransactionSender {
  private readonly logger = new Logger('AnchorTxSender');
  private nextNonce: number | undefined;
  /** at most one: batches are anchored one at a time */
  private current: InFlight | undefined;

  constructor(
    private provider: JsonRpcProvider,
    private wallet: Wallet,
    readonly chainId: number,
    private readonly options: TransactionSenderOptions,
    /** true once the adapter is closing: stop waiting, the transaction stays on its way */
    private readonly closing: () => boolean = () => false,
  ) {}

  get address(): string {
    return this.wallet.address;
  }

  /**
   * The adapter reconnected (after the node was unreachable): the transaction in flight and the
   * nonce count carry over, so a retry keeps watching it instead of sending the root again.
   */
  use(provider: JsonRpcProvider, wallet: Wallet): void {
    this.provider = provider;
    this.wallet = wallet;
    this.nextNonce = undefined;
  }

  /**
   * Sends `request` (or keeps waiting for the transaction already sent for `key`) and resolves with
   * the receipt once confirmed; `onSent` hears of every broadcast version. A reverted receipt is
   * returned too: the nonce is spent either way.
   */
  async send(key: string, request: TxRequest, { onSent, earlier }: SendOptions = {}): Promise<TransactionReceipt> {
    try {
      let flight = this.current;
      if (!flight || flight.key !== key) flight = await this.open(key, request, flight, earlier);
      if (!flight.sent.some((s) => s.raw)) await this.broadcastNew(flight, onSent);
      const receipt = await this.waitConfirmed(flight, onSent);
      this.nextNonce = flight.nonce + 1;
      this.current = undefined;
      return receipt;
    } catch (error) {
      this.nextNonce = undefined;
      throw error;
    }
  }

  /**
   * A new payload. When another one is still unmined (its batch gave up waiting, and this is a
   * re-anchoring, say), it takes that nonce and replaces it rather than queueing behind it: the
   * other root is still asked for on chain before its batch is sent again.
   */
  private async open(key: string, request: TxRequest, previous: InFlight | undefined, earlier?: SendOptions['earlier']): Promise<InFlight> {
    // Mined meanwhile (its batch finds the root on chain when retried): its nonce is spent.
    if (previous && (await this.minedVersion(previous))) {
      previous = undefined;
      this.nextNonce = undefined;
    }
    // The node's pending count is asked every time; the local count only guards against a node
    // that does not count its own mempool yet. A count too high (a reorg) shows as a nonce gap.
    const pending = await this.provider.getTransactionCount(this.wallet.address, 'pending');
    if (!previous && earlier && pending > earlier.nonce) {
      const resumed = await this.resume(key, request, earlier);
      if (resumed) return (this.current = resumed);
    }
    const nonce = previous?.nonce ?? Math.max(pending, this.nextNonce ?? 0);
    // Only this payload's versions count as its receipt: were the other one mined after all, its
    // receipt must not be taken for this root's (the nonce then reads as spent elsewhere).
    const replaces = previous?.sent[previous.sent.length - 1] ?? previous?.replaces;
    const flight: InFlight = { key, nonce, request, sent: [], lastSentAt: 0, ...(replaces && { replaces }) };
    this.current = flight;
    return flight;
  }

  /**
   * After a restart: the transaction an earlier run sent for this payload may still wait in the
   * mempool. Its nonce is not spent yet, so it is replaced (fees +12.5%) instead of a second
   * transaction being queued behind it; its receipt still counts if it is the one mined.
   */
  private async resume(key: string, request: TxRequest, earlier: NonNullable<SendOptions['earlier']>): Promise<InFlight | undefined> {
    if ((await this.provider.getTransactionCount(this.wallet.address, 'latest')) > earlier.nonce) return undefined;
    const tx = await this.provider.getTransaction(earlier.hash);
    if (!tx || tx.nonce !== earlier.nonce || tx.maxFeePerGas === null || tx.maxPriorityFeePerGas === null) return undefined;
    const fees = { maxFeePerGas: tx.maxFeePerGas, maxPriorityFeePerGas: tx.maxPriorityFeePerGas };
    this.logger.log(`replacing transaction ${earlier.hash} (nonce ${earlier.nonce}) left waiting by an earlier run`);
    return { key, nonce: earlier.nonce, request, sent: [{ hash: earlier.hash, nonce: earlier.nonce, ...fees }], replaces: fees, lastSentAt: 0 };
  }

  private async broadcastNew(flight: InFlight, onSent?: (tx: SentTx) => void): Promise<void> {
    const market = offeredFees(await this.provider.getFeeData(), this.options.caps);
    const fees = flight.replaces ? bumpedFees(flight.replaces, market, this.options.caps) : market;
    if (!fees && flight.sent.length > 0) {
      // Resumed: the earlier version is this payload too, and waiting for it is all the caps allow.
      this.logger.warn(`the fee caps allow no replacement of ${flight.sent[0]!.hash}: waiting for it`);
      flight.lastSentAt = Date.now();
      return;
    }
    if (!fees) throw new AnchorError('ANCHOR_E_FEE_CAP', `the fee caps leave no room to replace the transaction at nonce ${flight.nonce}`);
    await this.sign(flight, fees, onSent);
  }

  private async sign(flight: InFlight, fees: Eip1559Fees, onSent?: (tx: SentTx) => void): Promise<void> {
    const raw = await this.wallet.signTransaction({
      type: 2, // EIP-1559 dynamic-fee transaction, EIP-155 chain id inside the signed payload
      chainId: this.chainId,
      nonce: flight.nonce,
      to: flight.request.to,
      data: flight.request.data,
      gasLimit: flight.request.gasLimit,
      value: 0n,
      ...fees,
    });
    const sent = { raw, hash: Transaction.from(raw).hash!, nonce: flight.nonce, ...fees };
    flight.sent.push(sent);
    flight.lastSentAt = Date.now();
    await this.broadcast(raw);
    onSent?.({ hash: sent.hash, nonce: sent.nonce, maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas });
  }

  /** eth_sendRawTransaction; "already known" is success, and a spent nonce is left to the receipt check. */
  private async broadcast(raw: string): Promise<void> {
    try {
      await this.provider.broadcastTransaction(raw);
    } catch (error) {
      const code = (error as { code?: string }).code;
      const text = shortError(error).toLowerCase();
      if (text.includes('already known') || text.includes('already imported') || code === 'NONCE_EXPIRED') return;
      if (code === 'REPLACEMENT_UNDERPRICED' || text.includes('underpriced')) {
        this.logger.warn(`the node refused a replacement as underpriced; the next one offers more: ${shortError(error)}`);
        return;
      }
      throw error;
    }
  }

  private async waitConfirmed(flight: InFlight, onSent?: (tx: SentTx) => void): Promise<TransactionReceipt> {
    const deadline = Date.now() + this.options.txTimeoutMs;
    let spentElsewhere = 0;
    let gapBelow = 0;
    for (;;) {
      const receipt = await this.minedVersion(flight);
      if (receipt) {
        spentElsewhere = gapBelow = 0;
        const head = await this.provider.getBlockNumber();
        if (head - receipt.blockNumber + 1 >= this.options.confirmations) return receipt;
      } else {
        const [latest, pending] = await Promise.all([
          this.provider.getTransactionCount(this.wallet.address, 'latest'),
          this.provider.getTransactionCount(this.wallet.address, 'pending'),
        ]);
        // Each condition is seen three polls in a row before acting: a node behind a load
        // balancer can answer from a replica one block late.
        if (latest > flight.nonce) {
          // Spent by none of our versions: another writer of this account.
          gapBelow = 0;
          if (++spentElsewhere >= 3) this.giveUp(flight, 'ANCHOR_E_NONCE_TAKEN', `was used by a transaction this service did not send`);
        } else if (pending < flight.nonce) {
          // A lower nonce is neither mined nor pending (a reorg took our previous transaction
          // out of the chain, and the node did not return it to its mempool): ours can never be
          // mined. The nonce is taken from the node again.
          spentElsewhere = 0;
          if (++gapBelow >= 3) this.giveUp(flight, 'ANCHOR_E_NONCE_GAP', `waits behind nonce ${pending}, which nothing will fill`);
        } else {
          spentElsewhere = gapBelow = 0;
          await this.keepInMempool(flight, onSent);
        }
      }
      if (Date.now() > deadline) {
        const last = flight.sent[flight.sent.length - 1];
        throw new AnchorError('ANCHOR_E_TX_TIMEOUT', `transaction ${last?.hash} (nonce ${flight.nonce}) has no ${this.options.confirmations} confirmation(s) after ${this.options.txTimeoutMs} ms; still watched`);
      }
      if (this.closing()) {
        throw new AnchorError('ANCHOR_E_CHAIN_NOT_READY', `closed while waiting for nonce ${flight.nonce}; the next start finds its root on chain or sends it again`);
      }
      await sleep(this.options.pollingIntervalMs);
    }
  }

  private giveUp(flight: InFlight, code: 'ANCHOR_E_NONCE_TAKEN' | 'ANCHOR_E_NONCE_GAP', why: string): never {
    this.current = undefined;
    throw new AnchorError(code, `nonce ${flight.nonce} of ${this.wallet.address} ${why}`);
  }

  /** The receipt of whichever version was mined, newest first. */
  private async minedVersion(flight: InFlight): Promise<TransactionReceipt | undefined> {
    const receipts = await Promise.all(flight.sent.map((s) => this.provider.getTransactionReceipt(s.hash)));
    return receipts.reverse().find((r): r is TransactionReceipt => r !== null);
  }

  /** Dropped: broadcast the same signed transaction again. Stuck: replace it with higher fees. */
  private async keepInMempool(flight: InFlight, onSent?: (tx: SentTx) => void): Promise<void> {
    const last = flight.sent[flight.sent.length - 1]!;
    if ((await this.provider.getTransaction(last.hash)) === null && last.raw) {
      this.logger.warn(`transaction ${last.hash} (nonce ${flight.nonce}) left the node's mempool: sending it again`);
      await this.broadcast(last.raw);
      return;
    }
    if (Date.now() - flight.lastSentAt < this.options.resubmitAfterMs) return;
    const market = offeredFees(await this.provider.getFeeData(), this.options.caps);
    const fees = bumpedFees(last, market, this.options.caps);
    if (!fees) {
      flight.lastSentAt = Date.now();
      this.logger.warn(`transaction ${last.hash} is not mined and the fee caps allow no replacement: waiting`);
      return;
    }
    this.logger.warn(`transaction ${last.hash} (nonce ${flight.nonce}) not mined after ${this.options.resubmitAfterMs} ms: replacing it with fees +12.5%`);
    await this.sign(flight, fees, onSent);
  }
}
