// Anchor benchmark (issue 4, item 7): tree plus all proofs, offline receipt verification, gas per
// reading, against raw keccak256 measured in the same run (the floor any tree build sits on).
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { ContractFactory, JsonRpcProvider, Wallet, keccak256 } from 'ethers';
import { Logger } from '@nestjs/common';
import anchor from '@pulseproof/anchor';

const { AnvilNode, buildTree, checkReceiptOffline, encodeLeaf, loadVitalsAnchorArtifact, parseReceipt } = anchor;

const seconds = (start) => Number(process.hrtime.bigint() - start) / 1e9;
const now = () => process.hrtime.bigint();
const fmt = (n) => Math.round(n).toLocaleString('en-US');

/** keccak256 of 64-byte inputs (one inner node's preimage), through the same ethers call the tree uses. */
function keccakBaseline(count) {
  const input = randomBytes(64);
  const start = now();
  for (let i = 0; i < count; i++) {
    input[i & 63] ^= 1; // a different preimage each time
    keccak256(input);
  }
  return count / seconds(start);
}

function randomLeaves(n) {
  const leaves = new Array(n);
  for (let i = 0; i < n; i++) leaves[i] = `0x${randomBytes(32).toString('hex')}`;
  return leaves;
}

/** buildTree then allProofs: what sealing a batch and serving every receipt of it costs. */
function treeAndProofs(n) {
  const leaves = randomLeaves(n);
  const start = now();
  const tree = buildTree(leaves);
  const proofs = tree.allProofs();
  const elapsed = seconds(start);
  if (proofs.length !== n) throw new Error('allProofs returned the wrong number of proofs');
  return { leaves: n, seconds: elapsed, leavesPerSecond: n / elapsed, proofLength: proofs[0].length };
}

function sampleReading(i) {
  return {
    deviceId: `bed-${i % 50}-monitor`, seq: 1_000 + i, patientId: `patient-${i % 50}`,
    deviceTime: 1_795_000_000_000 + i * 1_000, receivedAt: 1_795_000_000_050 + i * 1_000,
    measurements: { heart_rate: 60 + (i % 40), respiratory_rate: 12 + (i % 9), spo2: 90 + (i % 10), systolic_bp: 110 + (i % 30), temperature: 36.5 + (i % 7) / 4 },
    salt: `0x${randomBytes(32).toString('hex')}`,
  };
}

/** Receipts of one `batch`-leaf batch as NDJSON lines; verified offline: parse, leaf, proof to root. */
function receiptsOffline(count, batch = 65_536) {
  const readings = Array.from({ length: batch }, (_, i) => sampleReading(i));
  const leaves = readings.map(encodeLeaf);
  const tree = buildTree(leaves);
  const proofs = tree.allProofs();
  const lines = readings.slice(0, count).map((reading, i) =>
    JSON.stringify({
      version: 1, reading, salt: reading.salt, leaf: leaves[i], proof: proofs[i], root: tree.root, batchId: 1, leafIndex: i,
      chainId: 31337, contract: '0x5FbDB2315678afecb367f032d93F642f64180aa3', txHash: `0x${'ab'.repeat(32)}`,
      blockNumber: 2, blockHash: `0x${'cd'.repeat(32)}`, anchoredAt: '2026-11-22T03:29:18.000Z',
    }),
  );
  const start = now();
  let valid = 0;
  for (const line of lines) {
    const parsed = parseReceipt(JSON.parse(line));
    if (parsed.ok && checkReceiptOffline(parsed.receipt).ok) valid += 1;
  }
  const elapsed = seconds(start);
  if (valid !== count) throw new Error(`only ${valid} of ${count} receipts verified`);
  return { receipts: count, seconds: elapsed, receiptsPerSecond: count / elapsed };
}

/** Gas of one anchor() on a fresh anvil with a freshly deployed VitalsAnchor. */
async function gasPerAnchor() {
  const anvil = await AnvilNode.start();
  // cacheTimeout -1: ethers would otherwise reuse a cached nonce for the second transaction
  const provider = new JsonRpcProvider(anvil.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
  try {
    const wallet = new Wallet(anvil.privateKey, provider);
    const artifact = loadVitalsAnchorArtifact();
    const contract = await new ContractFactory(artifact.abi, artifact.bytecode, wallet).deploy();
    await contract.waitForDeployment();
    const root = buildTree(randomLeaves(65_536)).root;
    const tx = await contract.getFunction('anchor')(root, 65_536, 1_795_000_000_000, 1_795_000_010_000);
    const receipt = await tx.wait();
    return Number(receipt.gasUsed);
  } finally {
    provider.destroy();
    await anvil.stop();
  }
}

export async function run({ quick, smoke }) {
  Logger.overrideLogger(false); // AnvilNode's start-up line would interleave with the figures
  const sizes = smoke ? [1_024] : quick ? [4_096, 65_536] : [65_536, 1_048_576];
  console.log(`anchor benchmark (${smoke ? 'smoke' : quick ? 'quick' : 'full'}), node ${process.version}, ${cpus()[0]?.model ?? 'unknown cpu'}`);

  const keccakPerSecond = keccakBaseline(smoke ? 20_000 : quick ? 200_000 : 1_000_000);
  console.log(`  keccak256 (64-byte input)     ${fmt(keccakPerSecond)} hashes/s  (baseline)`);

  const trees = [];
  for (const n of sizes) {
    const t = treeAndProofs(n);
    // A tree of n leaves costs n - 1 inner hashes; the ratio says how close to raw hashing we are.
    t.vsKeccak = t.leavesPerSecond / keccakPerSecond;
    trees.push(t);
    console.log(`  tree + all proofs, ${fmt(n).padStart(9)} leaves  ${fmt(t.leavesPerSecond)} leaves/s  (${t.seconds.toFixed(2)} s, ${t.vsKeccak.toFixed(2)} x keccak rate)`);
  }

  const receipts = receiptsOffline(smoke ? 200 : quick ? 5_000 : 20_000, smoke ? 1_024 : 65_536);
  console.log(`  receipts verified offline     ${fmt(receipts.receiptsPerSecond)} receipts/s  (parse, leaf, proof of a 65,536-leaf batch)`);

  const gas = await gasPerAnchor();
  const gasPerReading = gas / 65_536;
  console.log(`  gas per anchor()              ${fmt(gas)} gas  (measured on anvil)`);
  console.log(`  gas per reading               ${gasPerReading.toFixed(2)} gas  (full batch of 65,536)`);

  const result = {
    suite: 'anchor', quick, smoke: Boolean(smoke), at: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, cores: cpus().length,
    keccakPerSecond, trees, receiptsOffline: receipts, gasPerAnchor: gas, gasPerReading,
  };
  return result;
}
