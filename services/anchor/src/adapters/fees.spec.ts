import { FeeData } from 'ethers';
import { bumpedFees, offeredFees } from './fees';

const gwei = (n: number) => BigInt(Math.round(n * 1e9));
const feeData = (maxFee: number, tip: number) => new FeeData(null, gwei(maxFee), gwei(tip));

describe('EIP-1559 fees', () => {
  it("offers the node's fees, held under the caps, never a tip above the fee cap", () => {
    expect(offeredFees(feeData(30, 2), {})).toEqual({ maxFeePerGas: gwei(30), maxPriorityFeePerGas: gwei(2) });
    expect(offeredFees(feeData(30, 2), { maxFeePerGas: gwei(20), maxPriorityFeePerGas: gwei(1) })).toEqual({
      maxFeePerGas: gwei(20),
      maxPriorityFeePerGas: gwei(1),
    });
    expect(offeredFees(feeData(30, 5), { maxFeePerGas: gwei(3) })).toEqual({ maxFeePerGas: gwei(3), maxPriorityFeePerGas: gwei(3) });
  });

  it('refuses a chain without EIP-1559 fee data', () => {
    expect(() => offeredFees(new FeeData(gwei(1), null, null), {})).toThrow('ANCHOR_E_NO_EIP1559');
  });

  it('raises both fees of a replacement by at least 12.5%, or to the market if higher', () => {
    const previous = { maxFeePerGas: 1_000_000_001n, maxPriorityFeePerGas: 8n };
    expect(bumpedFees(previous, { maxFeePerGas: 1n, maxPriorityFeePerGas: 1n }, {})).toEqual({ maxFeePerGas: 1_125_000_002n, maxPriorityFeePerGas: 9n });
    expect(bumpedFees(previous, { maxFeePerGas: gwei(5), maxPriorityFeePerGas: gwei(1) }, {})).toEqual({ maxFeePerGas: gwei(5), maxPriorityFeePerGas: gwei(1) });
  });

  it('gives up replacing when the caps leave less than the required bump', () => {
    const previous = { maxFeePerGas: gwei(10), maxPriorityFeePerGas: gwei(1) };
    expect(bumpedFees(previous, offeredFees(feeData(10, 1), {}), { maxFeePerGas: gwei(11) })).toBeUndefined();
    expect(bumpedFees(previous, offeredFees(feeData(10, 1), {}), { maxFeePerGas: gwei(12) })).toEqual({ maxFeePerGas: gwei(11.25), maxPriorityFeePerGas: gwei(1.125) });
  });
});
