// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/// @title VitalsAnchor
/// @notice Records Merkle roots of batches of salted vital-sign readings (PulseProof leaf encoding v1,
///         docs/leaf-encoding.md). Only 32-byte roots go on chain, never patient data.
/// @dev Trees use sorted pairs (OZ MerkleProof / Hashes.commutativeKeccak256), so any proof built
///      off chain by the anchor service verifies here with `verify`.
contract VitalsAnchor is AccessControl {
    bytes32 public constant ANCHORER_ROLE = keccak256("ANCHORER_ROLE");

    /// @dev One storage slot per root (64 + 64 + 32 bits). blockNumber is never 0 for an anchored
    ///      root (no transaction runs in the genesis block), so 0 means "unknown".
    struct Anchor {
        uint64 blockNumber;
        uint64 timestamp;
        uint32 count;
    }

    mapping(bytes32 root => Anchor) private _anchors;

    error ZeroRoot();
    error AlreadyAnchored(bytes32 root, uint64 blockNumber);

    /// @param fromTs device time (ms since epoch) of the earliest reading in the batch
    /// @param toTs device time (ms since epoch) of the latest reading in the batch
    event Anchored(bytes32 indexed root, uint32 count, uint64 fromTs, uint64 toTs, address indexed anchorer);

    constructor() {
        _grantRole(DEFAULT_ADMIN_ROLE, msg.sender);
        _grantRole(ANCHORER_ROLE, msg.sender);
    }

    /// @notice Anchors the root of a batch of `count` leaves. A root is anchored at most once.
    function anchor(bytes32 root, uint32 count, uint64 fromTs, uint64 toTs) external onlyRole(ANCHORER_ROLE) {
        if (root == bytes32(0)) revert ZeroRoot();
        Anchor storage existing = _anchors[root];
        if (existing.blockNumber != 0) revert AlreadyAnchored(root, existing.blockNumber);
        _anchors[root] = Anchor(uint64(block.number), uint64(block.timestamp), count);
        emit Anchored(root, count, fromTs, toTs, msg.sender);
    }

    /// @notice Where and when a root was anchored; zeros when it never was.
    function anchoredAt(bytes32 root) external view returns (uint64 blockNumber, uint64 timestamp, uint32 count) {
        Anchor memory a = _anchors[root];
        return (a.blockNumber, a.timestamp, a.count);
    }

    /// @notice True when `root` is anchored here and `proof` leads from `leaf` to it
    ///         (OZ MerkleProof.verify, over calldata).
    function verify(bytes32 root, bytes32[] calldata proof, bytes32 leaf) external view returns (bool) {
        return _anchors[root].blockNumber != 0 && MerkleProof.verifyCalldata(proof, root, leaf);
    }
}
