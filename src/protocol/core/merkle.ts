/**
 * RFC 6962 / RFC 9162 Merkle trees: the root that commits a block to its transactions and
 * receipts, inclusion proofs (a light client checks one transaction) and consistency proofs
 * (one tree is a prefix of another). See docs/spec/merkle.md.
 *
 * Leaves and inner nodes are hashed with distinct one-byte prefixes (0x00, 0x01) so that an
 * inner node can never be presented as a leaf (the second-preimage attack on plain Merkle
 * trees). A block holds up to ~10,000 transactions, so the tree is built level by level in
 * flat buffers: one 65-byte scratch per node instead of a fresh concatenation.
 */
import { assert } from './assert.js';
import { type Bytes, bytesEqual, fromHex, isHex, toHex } from './bytes.js';
import type { Crypto } from './crypto.js';

export const MERKLE_HASH_BYTES = 32;
const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

/** JSON-friendly proof that leaf `leafIndex` is in the tree of `treeSize` leaves. */
export interface InclusionProof {
  leafIndex: number;
  treeSize: number;
  /** Sibling hashes from the leaf up to the root, lowercase hex. */
  path: string[];
}

/** JSON-friendly proof that the tree of `firstSize` leaves is a prefix of `secondSize`. */
export interface ConsistencyProof {
  firstSize: number;
  secondSize: number;
  /** RFC 9162 section 2.1.4.1 PROOF(firstSize, D[secondSize]), lowercase hex. */
  path: string[];
}

/** MTH({}) = SHA-256 of the empty string. */
export function emptyTreeRoot(crypto: Crypto): Bytes {
  return crypto.sha256(new Uint8Array(0));
}

/** MTH({d}) = SHA-256(0x00 ‖ d). */
export function hashLeaf(crypto: Crypto, data: Bytes): Bytes {
  const input = new Uint8Array(data.length + 1);
  input[0] = LEAF_PREFIX;
  input.set(data, 1);
  return crypto.sha256(input);
}

/** SHA-256(0x01 ‖ left ‖ right). */
export function hashChildren(crypto: Crypto, left: Bytes, right: Bytes): Bytes {
  assert(left.length === MERKLE_HASH_BYTES, 'merkle: left child must be 32 bytes');
  assert(right.length === MERKLE_HASH_BYTES, 'merkle: right child must be 32 bytes');
  const input = new Uint8Array(1 + 2 * MERKLE_HASH_BYTES);
  input[0] = NODE_PREFIX;
  input.set(left, 1);
  input.set(right, 1 + MERKLE_HASH_BYTES);
  return crypto.sha256(input);
}

/** Leaf hashes of many leaves through one reused scratch buffer. */
export function hashLeaves(crypto: Crypto, leaves: readonly Bytes[]): Bytes[] {
  let longest = 0;
  for (const leaf of leaves) {
    longest = Math.max(longest, leaf.length);
  }
  const scratch = new Uint8Array(longest + 1);
  scratch[0] = LEAF_PREFIX;
  const out: Bytes[] = new Array(leaves.length);
  for (let i = 0; i < leaves.length; i++) {
    const leaf = leaves[i]!;
    scratch.set(leaf, 1);
    out[i] = crypto.sha256(scratch.subarray(0, leaf.length + 1));
  }
  return out;
}

/**
 * Leaf hashes of `count` leaves of `length` bytes each, which `fill` writes one after
 * another into the same scratch buffer at `offset`: no array per leaf.
 */
export function hashFixedLeaves(
  crypto: Crypto,
  count: number,
  length: number,
  fill: (index: number, target: Bytes, offset: number) => void,
): Bytes[] {
  const scratch = new Uint8Array(length + 1);
  scratch[0] = LEAF_PREFIX;
  const out: Bytes[] = new Array(count);
  for (let i = 0; i < count; i++) {
    fill(i, scratch, 1);
    out[i] = crypto.sha256(scratch);
  }
  return out;
}

/** MTH(D[n]) over raw leaf data. */
export function merkleRoot(crypto: Crypto, leaves: readonly Bytes[]): Bytes {
  return merkleRootOfLeafHashes(crypto, hashLeaves(crypto, leaves));
}

/**
 * MTH(D[n]) from already-hashed leaves. Pairing level by level and promoting an unpaired
 * last node unchanged gives exactly RFC 6962's split at the largest power of two below n.
 */
export function merkleRootOfLeafHashes(crypto: Crypto, leafHashes: readonly Bytes[]): Bytes {
  if (leafHashes.length === 0) {
    return emptyTreeRoot(crypto);
  }
  const level = flatten(leafHashes);
  const scratch = nodeScratch();
  let count = leafHashes.length;
  while (count > 1) {
    count = reduceLevel(crypto, { from: level, to: level, count, scratch });
  }
  return level.slice(0, MERKLE_HASH_BYTES);
}

function flatten(hashes: readonly Bytes[]): Uint8Array {
  const flat = new Uint8Array(hashes.length * MERKLE_HASH_BYTES);
  for (let i = 0; i < hashes.length; i++) {
    const hash = hashes[i]!;
    assert(hash.length === MERKLE_HASH_BYTES, 'merkle: leaf hashes must be 32 bytes');
    flat.set(hash, i * MERKLE_HASH_BYTES);
  }
  return flat;
}

function nodeScratch(): Uint8Array {
  const scratch = new Uint8Array(1 + 2 * MERKLE_HASH_BYTES);
  scratch[0] = NODE_PREFIX;
  return scratch;
}

interface LevelStep {
  from: Uint8Array;
  /** May be `from` itself: node i is written only after nodes 2i and 2i+1 were read. */
  to: Uint8Array;
  count: number;
  scratch: Uint8Array;
}

/** Hashes adjacent pairs of one level into the next; returns the next level's node count. */
function reduceLevel(crypto: Crypto, { from, to, count, scratch }: LevelStep): number {
  const pairs = Math.floor(count / 2);
  const width = 2 * MERKLE_HASH_BYTES;
  for (let i = 0; i < pairs; i++) {
    scratch.set(from.subarray(i * width, (i + 1) * width), 1);
    to.set(crypto.sha256(scratch), i * MERKLE_HASH_BYTES);
  }
  if (count % 2 === 1) {
    const last = from.subarray((count - 1) * MERKLE_HASH_BYTES, count * MERKLE_HASH_BYTES);
    to.set(last, pairs * MERKLE_HASH_BYTES);
  }
  return pairs + (count % 2);
}

/**
 * A tree kept in memory with every level, so that a block's proofs cost O(log n) each once
 * the tree is built (O(n) hashes, ~2n × 32 bytes).
 */
export interface MerkleTree {
  readonly size: number;
  root(): Bytes;
  /** Hash of node (level, index); level 0 holds the leaf hashes. */
  node(level: number, index: number): Bytes;
  inclusionProof(leafIndex: number): InclusionProof;
  /** Proof that the first `firstSize` leaves form a prefix of this tree. */
  consistencyProof(firstSize: number): ConsistencyProof;
}

export function buildMerkleTree(crypto: Crypto, leafHashes: readonly Bytes[]): MerkleTree {
  const levels: Uint8Array[] = [flatten(leafHashes)];
  const counts: number[] = [leafHashes.length];
  const scratch = nodeScratch();
  let count = leafHashes.length;
  while (count > 1) {
    const from = levels[levels.length - 1]!;
    const to = new Uint8Array(Math.ceil(count / 2) * MERKLE_HASH_BYTES);
    count = reduceLevel(crypto, { from, to, count, scratch });
    levels.push(to);
    counts.push(count);
  }
  const emptyRoot = leafHashes.length === 0 ? emptyTreeRoot(crypto) : undefined;
  const node = (level: number, index: number): Bytes => {
    const hashes = levels[level];
    assert(hashes !== undefined, 'merkle: level out of range');
    assert(index >= 0 && index < counts[level]!, 'merkle: node index out of range');
    return hashes.subarray(index * MERKLE_HASH_BYTES, (index + 1) * MERKLE_HASH_BYTES);
  };
  const tree: MerkleTree = {
    size: leafHashes.length,
    root: () => (emptyRoot ?? node(levels.length - 1, 0)).slice(),
    node: (level, index) => node(level, index).slice(),
    inclusionProof: (leafIndex) => inclusionPath({ node, counts, size: tree.size }, leafIndex),
    consistencyProof: (firstSize) => consistencyPath({ node, size: tree.size }, firstSize),
  };
  return tree;
}

interface Levels {
  node(level: number, index: number): Bytes;
  counts: number[];
  size: number;
}

/** Siblings bottom-up; a node without a sibling is promoted and contributes nothing. */
function inclusionPath(levels: Levels, leafIndex: number): InclusionProof {
  assert(Number.isSafeInteger(leafIndex), 'merkle: leaf index must be an integer');
  assert(leafIndex >= 0 && leafIndex < levels.size, 'merkle: leaf index out of range');
  const path: string[] = [];
  let index = leafIndex;
  for (let level = 0; level < levels.counts.length - 1; level++) {
    const sibling = index ^ 1;
    if (sibling < levels.counts[level]!) {
      path.push(toHex(levels.node(level, sibling)));
    }
    index >>= 1;
  }
  return { leafIndex, treeSize: levels.size, path };
}

/**
 * RFC 9162 section 2.1.4.1 SUBPROOF, iteratively. Every subtree the recursion names starts
 * at a multiple of its size rounded up to a power of two, so it is a stored node.
 */
function consistencyPath(
  levels: Pick<Levels, 'node' | 'size'>,
  firstSize: number,
): ConsistencyProof {
  const secondSize = levels.size;
  assert(Number.isSafeInteger(firstSize), 'merkle: first size must be an integer');
  assert(firstSize > 0 && firstSize <= secondSize, 'merkle: first size out of range');
  const subtree = (start: number, size: number): string => {
    const level = ceilLog2(size);
    return toHex(levels.node(level, start / 2 ** level));
  };
  const path: string[] = [];
  let start = 0;
  let size = secondSize;
  let m = firstSize;
  let complete = true;
  while (m < size) {
    const k = largestPowerOfTwoBelow(size);
    if (m <= k) {
      path.push(subtree(start + k, size - k));
      size = k;
    } else {
      path.push(subtree(start, k));
      start += k;
      size -= k;
      m -= k;
      complete = false;
    }
  }
  if (!complete) {
    path.push(subtree(start, size));
  }
  // The recursion appends on the way back up, so the innermost subtree comes first.
  path.reverse();
  return { firstSize, secondSize, path };
}

function ceilLog2(n: number): number {
  let level = 0;
  while (2 ** level < n) {
    level++;
  }
  return level;
}

/** The largest power of two strictly below n (n ≥ 2). */
function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) {
    k *= 2;
  }
  return k;
}

/** Proof paths arrive from untrusted peers: bad shapes fail verification, never assert. */
function decodePath(path: unknown): Bytes[] | undefined {
  if (!Array.isArray(path)) {
    return undefined;
  }
  const out: Bytes[] = [];
  for (const item of path) {
    if (typeof item !== 'string' || !isHex(item, MERKLE_HASH_BYTES)) {
      return undefined;
    }
    out.push(fromHex(item));
  }
  return out;
}

function isSize(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

export interface InclusionCheck {
  /** The leaf's hash, hashLeaf(data), not the data itself. */
  leafHash: Bytes;
  proof: InclusionProof;
  root: Bytes;
}

/** RFC 9162 section 2.1.3.2. */
export function verifyInclusion(crypto: Crypto, check: InclusionCheck): boolean {
  const computed = rootFromInclusionProof(crypto, check.leafHash, check.proof);
  return computed !== undefined && bytesEqual(computed, check.root);
}

/** The root an inclusion proof implies, or undefined when the proof is malformed. */
export function rootFromInclusionProof(
  crypto: Crypto,
  leafHash: Bytes,
  proof: InclusionProof,
): Bytes | undefined {
  const path = decodePath(proof.path);
  const { leafIndex, treeSize } = proof;
  if (path === undefined || !isSize(leafIndex) || !isSize(treeSize)) {
    return undefined;
  }
  if (leafIndex >= treeSize || leafHash.length !== MERKLE_HASH_BYTES) {
    return undefined;
  }
  // Division instead of bit shifts: sizes from peers may exceed 32 bits.
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leafHash;
  for (const p of path) {
    if (sn === 0) {
      return undefined;
    }
    if (fn % 2 === 1 || fn === sn) {
      r = hashChildren(crypto, p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = hashChildren(crypto, r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : undefined;
}

export interface ConsistencyCheck {
  proof: ConsistencyProof;
  firstRoot: Bytes;
  secondRoot: Bytes;
}

/**
 * RFC 9162 section 2.1.4.2. Equal sizes need an empty proof and equal roots. A proof from
 * the empty tree is rejected: every tree extends it, so such a proof proves nothing, and a
 * caller asking for one has a bug (transparency-dev's vectors require the same).
 */
export function verifyConsistency(crypto: Crypto, check: ConsistencyCheck): boolean {
  const { firstSize, secondSize } = check.proof;
  const path = decodePath(check.proof.path);
  if (path === undefined || !isSize(firstSize) || !isSize(secondSize)) {
    return false;
  }
  if (firstSize === 0 || firstSize > secondSize) {
    return false;
  }
  // Equal sizes prove nothing beyond equal roots, whatever their length.
  if (firstSize === secondSize) {
    return path.length === 0 && bytesEqual(check.firstRoot, check.secondRoot);
  }
  if (check.firstRoot.length !== MERKLE_HASH_BYTES) {
    return false;
  }
  if (check.secondRoot.length !== MERKLE_HASH_BYTES) {
    return false;
  }
  const roots = rootsFromConsistencyPath(crypto, { path, firstSize, secondSize }, check);
  if (roots === undefined) {
    return false;
  }
  return bytesEqual(roots.first, check.firstRoot) && bytesEqual(roots.second, check.secondRoot);
}

interface ConsistencyInput {
  path: Bytes[];
  firstSize: number;
  secondSize: number;
}

/** Steps 1-7 of RFC 9162 section 2.1.4.2: rebuilds both roots from the path. */
function rootsFromConsistencyPath(
  crypto: Crypto,
  { path, firstSize, secondSize }: ConsistencyInput,
  check: ConsistencyCheck,
): { first: Bytes; second: Bytes } | undefined {
  if (path.length === 0) {
    return undefined;
  }
  const isPowerOfTwo = firstSize === largestPowerOfTwoAtMost(firstSize);
  const nodes = isPowerOfTwo ? [check.firstRoot, ...path] : path;
  let fn = firstSize - 1;
  let sn = secondSize - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = nodes[0]!;
  let sr = nodes[0]!;
  for (let i = 1; i < nodes.length; i++) {
    const c = nodes[i]!;
    if (sn === 0) {
      return undefined;
    }
    if (fn % 2 === 1 || fn === sn) {
      fr = hashChildren(crypto, c, fr);
      sr = hashChildren(crypto, c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = hashChildren(crypto, sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? { first: fr, second: sr } : undefined;
}

function largestPowerOfTwoAtMost(n: number): number {
  let k = 1;
  while (k * 2 <= n) {
    k *= 2;
  }
  return k;
}
