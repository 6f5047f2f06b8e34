import { FeeData } from 'ethers';
import { AnchorError } from '../errors';

/** EIP-1559 fee fields of a type-2 transaction, wei. */
export interface Eip1559Fees {
  readonly maxFeePerGas: bigint;
  readonly maxPriorityFeePerGas: bigint;
}

export interface FeeCaps {
  /** never offer more than this per gas, wei (undefined: no cap) */
  readonly maxFeePerGas?: bigint;
  readonly maxPriorityFeePerGas?: bigint;
}

/**
 * A replacement must raise both the fee cap and the tip: geth's txpool refuses one that raises
 * them by less than its price bump (10% by default), other clients by 12.5% (the EIP-1559 maximum
 * base-fee change per block). 12.5% satisfies both.
 */
export const REPLACEMENT_BUMP_PER_MILLE = 125n;

/**
 * The fees to offer now, from eth_feeHistory/eth_maxPriorityFeePerGas as ethers summarises them
 * (maxFee = 2 * base fee + tip, which survives six full blocks of EIP-1559 base-fee increases),
 * held under the configured caps. A chain without EIP-1559 has no fee data and is refused: the
 * anchor client only sends type-2 transactions (EIP-2718, EIP-1559).
 */
export function offeredFees(feeData: FeeData, caps: FeeCaps): Eip1559Fees {
  if (feeData.maxFeePerGas === null || feeData.maxPriorityFeePerGas === null) {
    throw new AnchorError('ANCHOR_E_NO_EIP1559', 'the chain reports no EIP-1559 fees (base fee); only type-2 transactions are sent');
  }
  return capped({ maxFeePerGas: feeData.maxFeePerGas, maxPriorityFeePerGas: feeData.maxPriorityFeePerGas }, caps);
}

/**
 * The fees of a replacement at the same nonce: each at least 12.5% above what was offered (rounded
 * up), and at least the market's current offer. Undefined when the caps leave no room for a valid
 * replacement: then the sent transaction is left to be mined as it is.
 */
export function bumpedFees(previous: Eip1559Fees, market: Eip1559Fees, caps: FeeCaps): Eip1559Fees | undefined {
  const bump = (x: bigint) => (x * (1000n + REPLACEMENT_BUMP_PER_MILLE) + 999n) / 1000n;
  const max = (a: bigint, b: bigint) => (a > b ? a : b);
  const wanted = {
    maxFeePerGas: max(bump(previous.maxFeePerGas), market.maxFeePerGas),
    maxPriorityFeePerGas: max(bump(previous.maxPriorityFeePerGas), market.maxPriorityFeePerGas),
  };
  const offered = capped(wanted, caps);
  if (offered.maxFeePerGas < bump(previous.maxFeePerGas) || offered.maxPriorityFeePerGas < bump(previous.maxPriorityFeePerGas)) return undefined;
  return offered;
}

function capped(fees: Eip1559Fees, caps: FeeCaps): Eip1559Fees {
  const maxFeePerGas = caps.maxFeePerGas !== undefined && fees.maxFeePerGas > caps.maxFeePerGas ? caps.maxFeePerGas : fees.maxFeePerGas;
  let maxPriorityFeePerGas = fees.maxPriorityFeePerGas;
  if (caps.maxPriorityFeePerGas !== undefined && maxPriorityFeePerGas > caps.maxPriorityFeePerGas) maxPriorityFeePerGas = caps.maxPriorityFeePerGas;
  // EIP-1559: a tip above the fee cap is invalid.
  if (maxPriorityFeePerGas > maxFeePerGas) maxPriorityFeePerGas = maxFeePerGas;
  return { maxFeePerGas, maxPriorityFeePerGas };
}
