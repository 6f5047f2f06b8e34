import { Contract } from 'ethers';

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
export function withDecodedRevert(contract: Contract, error: unknown): unknown {
  const e = error as { data?: unknown; revert?: unknown };
  if (!e || typeof e !== 'object' || e.revert || typeof e.data !== 'string' || e.data.length < 10) return error;
  const parsed = contract.interface.parseError(e.data);
  if (!parsed) return error;
  return new ContractRevertError({ name: parsed.name, signature: parsed.signature, args: [...parsed.args] }, e.data, error);
}
