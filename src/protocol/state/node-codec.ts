/**
 * Byte format of state tree nodes and their hashes (docs/spec/state.md, "Nodes"). Every
 * node encoding starts with its own hash preimage, so hashing a node never copies it.
 */
import { assert } from '../core/assert.js';
import { type Bytes, utf8 } from '../core/bytes.js';
import type { Crypto } from '../core/crypto.js';
import type { NodeId, StateVersion } from './types.js';

/** Tags differ from RFC 6962's 0x00/0x01 so no step of another tree reads as a state node. */
export const EMPTY_TAG = 0x00;
export const LEAF_TAG = 0x10;
export const INTERNAL_TAG = 0x11;

export const HASH_BYTES = 32;
export const RADIX = 16;
/** Tag, key hash, value hash: the leaf's hash preimage. */
export const LEAF_PREIMAGE_BYTES = 1 + 2 * HASH_BYTES;
export const VALUE_HASH_OFFSET = 1 + HASH_BYTES;
/** SHA-256 paths are 64 nibbles long; no node can sit deeper. */
export const DEPTH_MAX = 2 * HASH_BYTES;

/** Root hash of the empty tree. No SHA-256 preimage of it is known. */
export const EMPTY_ROOT_HASH: Bytes = new Uint8Array(HASH_BYTES);
export const EMPTY_NODE: Bytes = Uint8Array.of(EMPTY_TAG);

export const NIBBLE_CHARS = '0123456789abcdef';

export function nodeId(version: StateVersion, path: string): NodeId {
  return `${version}/${path}`;
}

/**
 * Key-hash bytes an internal node records for each leaf child it knows the location of:
 * enough to spell a row path of up to 16 nibbles, and to tell two keys apart without
 * reading either leaf unless they share all 64 bits.
 */
export const LEAF_PREFIX_BYTES = 8;
export const LEAF_PREFIX_NIBBLES = 2 * LEAF_PREFIX_BYTES;

/**
 * Id of a child's row. A leaf written at `depth` whose key hash starts with the bytes at
 * prefix[offset] keeps that id when later writes move it to another slot; depth 0 (any
 * internal child, or a leaf with no recorded location) means the row is at `slotPath`.
 */
export function leafRowId(
  version: StateVersion,
  depth: number,
  prefix: Bytes,
  offset: number,
  slotPath: string,
): NodeId {
  if (depth === 0) {
    return nodeId(version, slotPath);
  }
  assert(depth <= LEAF_PREFIX_NIBBLES, 'state leaf row: bad depth');
  let path = '';
  for (let i = 0; i < depth; i++) {
    const byte = prefix[offset + (i >> 1)]!;
    path += NIBBLE_CHARS[(i & 1) === 0 ? byte >> 4 : byte & 15]!;
  }
  return `${version}/${path}`;
}

/** The version and path a node id names: the inverse of nodeId. */
export function parseNodeId(id: NodeId): { version: StateVersion; path: string } {
  return { version: nodeIdVersion(id), path: nodeIdPath(id) };
}

/** The path a node id names, without an object per call: caches look up every node. */
export function nodeIdPath(id: NodeId): string {
  const slash = id.indexOf('/');
  assert(slash > 0, 'state node id: no version');
  return id.slice(slash + 1);
}

/** The version a node id names. */
export function nodeIdVersion(id: NodeId): StateVersion {
  const version = Number.parseInt(id, 10);
  assert(Number.isSafeInteger(version) && version >= 0, 'state node id: no version');
  return version;
}

export function keyHashOf(crypto: Crypto, key: string): Bytes {
  return crypto.sha256(utf8(key));
}

export function nibbleAt(keyHash: Bytes, depth: number): number {
  const byte = keyHash[depth >> 1]!;
  return (depth & 1) === 0 ? byte >> 4 : byte & 15;
}

export function popcount16(mask: number): number {
  let bits = mask - ((mask >> 1) & 0x5555);
  bits = (bits & 0x3333) + ((bits >> 2) & 0x3333);
  bits = (bits + (bits >> 4)) & 0x0f0f;
  return (bits + (bits >> 8)) & 0x1f;
}

/** Leaf: tag ‖ keyHash ‖ SHA-256(value) ‖ value. */
export function encodeLeaf(crypto: Crypto, keyHash: Bytes, value: Bytes): Bytes {
  const leaf = new Uint8Array(LEAF_PREIMAGE_BYTES + value.length);
  writeLeaf(crypto, leaf, keyHash, value);
  return leaf;
}

/** Writes a leaf into `leaf`, which must be exactly the leaf's length. */
export function writeLeaf(crypto: Crypto, leaf: Bytes, keyHash: Bytes, value: Bytes): void {
  assert(keyHash.length === HASH_BYTES, 'state leaf: key hash must be 32 bytes');
  assert(leaf.length === LEAF_PREIMAGE_BYTES + value.length, 'state leaf: wrong length');
  leaf[0] = LEAF_TAG;
  leaf.set(keyHash, 1);
  leaf.set(value, LEAF_PREIMAGE_BYTES);
  // Hash the copy: it lives in the caller's (arena) buffer, which native SHA-256 reads in place.
  leaf.set(crypto.sha256(leaf.subarray(LEAF_PREIMAGE_BYTES)), VALUE_HASH_OFFSET);
}

export function leafHash(crypto: Crypto, leaf: Bytes): Bytes {
  assert(leaf[0] === LEAF_TAG, 'state leaf: wrong tag');
  assert(leaf.length >= LEAF_PREIMAGE_BYTES, 'state leaf: truncated');
  return crypto.sha256(leaf.subarray(0, LEAF_PREIMAGE_BYTES));
}

/** The child mask of an internal node: bit n set when nibble n has a child. */
export function childMaskOf(node: Bytes): number {
  return (node[1]! << 8) | node[2]!;
}

export function internalPreimageBytes(childCount: number): number {
  return 3 + HASH_BYTES * childCount;
}

/** Hash of any encoded node: the empty node, a leaf or an internal node. */
export function nodeHash(crypto: Crypto, node: Bytes): Bytes {
  const tag = node[0];
  if (tag === EMPTY_TAG) {
    assert(node.length === 1, 'state node: empty node with payload');
    return EMPTY_ROOT_HASH;
  }
  if (tag === LEAF_TAG) {
    return leafHash(crypto, node);
  }
  assert(tag === INTERNAL_TAG, 'state node: unknown tag');
  const preimageBytes = internalPreimageBytes(popcount16(childMaskOf(node)));
  assert(node.length > preimageBytes, 'state node: internal node truncated');
  return crypto.sha256(node.subarray(0, preimageBytes));
}

/** Tag-free view of a leaf for proofs and reads. */
export function leafKeyHash(leaf: Bytes): Bytes {
  return leaf.subarray(1, 1 + HASH_BYTES);
}

export function leafValueHash(leaf: Bytes): Bytes {
  return leaf.subarray(VALUE_HASH_OFFSET, LEAF_PREIMAGE_BYTES);
}

export function leafValue(leaf: Bytes): Bytes {
  return leaf.subarray(LEAF_PREIMAGE_BYTES);
}

export function sameHash(a: Bytes, aOffset: number, b: Bytes, bOffset: number): boolean {
  for (let i = 0; i < HASH_BYTES; i++) {
    if (a[aOffset + i] !== b[bOffset + i]) {
      return false;
    }
  }
  return true;
}
