// Apart from artifact.ts, which reads files: the dashboard's auditor view imports this in the browser.

/**
 * The views an auditor needs, as human-readable ABI: verifying a receipt does not depend on the
 * compiled artifact, only on the contract's public interface.
 */
export const VITALS_ANCHOR_VIEWS_ABI = [
  'function anchoredAt(bytes32 root) view returns (uint64 blockNumber, uint64 timestamp, uint32 count)',
  'function verify(bytes32 root, bytes32[] proof, bytes32 leaf) view returns (bool)',
  'event Anchored(bytes32 indexed root, uint32 count, uint64 fromTs, uint64 toTs, address indexed anchorer)',
] as const;
