/**
 * Types of the authenticated world state: a versioned sparse Merkle tree (16-ary,
 * Jellyfish-style) whose nodes live in a synchronous node store. See docs/spec/state.md.
 */
import type { Bytes } from '../core/bytes.js';
import type { Hash } from '../core/hash.js';

/**
 * A node's key in the store: `<version>/<path>`, the version (block height, decimal) at
 * which the node was written and its nibble path from the root in lowercase hex
 * (empty for the root). Ids are never reused, so a store may keep many versions at once.
 */
export type NodeId = string;

/** Block height at which a tree version was produced; 0 is genesis. */
export type StateVersion = number;

/** The read port the tree is walked through. Synchronous so SQLite can back it directly. */
export interface TreeNodeStore {
  getNode(id: NodeId): Bytes | undefined;
}

/** One state change. A null value deletes the key. */
export interface StateWrite {
  key: string;
  value: Bytes | null;
}

export interface ApplyWritesParams {
  /** The version being produced; greater than previousVersion. */
  version: StateVersion;
  /** The version the writes apply on top of; null for the empty tree before genesis. */
  previousVersion: StateVersion | null;
  /** The block's writes in execution order; for a repeated key the last write wins. */
  writes: readonly StateWrite[];
}

export interface ApplyWritesResult {
  root: Hash;
  /** Nodes to save, all with ids of `version`. The root is always among them. */
  newNodes: Array<[NodeId, Bytes]>;
  /**
   * Nodes of earlier versions that the new version no longer reaches. They may be deleted
   * once no version before `version` is kept any more.
   */
  staleNodes: NodeId[];
}

/** One internal node on the proven key's path, root first. */
export interface StateProofStep {
  /** Bit n set when the node has a child at nibble n. */
  childMask: number;
  /** Hex hashes of the children other than the one on the path, in nibble order. */
  siblings: string[];
}

/** A leaf that ends a proof path: the proven key's own, or another that proves absence. */
export interface StateProofLeaf {
  keyHash: string;
  valueHash: string;
}

/**
 * Proof that a key has a value, or none, under a state root. Plain JSON (hex strings and
 * numbers) so that any client can carry and check it offline.
 */
export interface StateProof {
  steps: StateProofStep[];
  /** The leaf at the end of the path, or null when the path ends in an empty slot. */
  leaf: StateProofLeaf | null;
}

export interface ProveKeyResult {
  value: Bytes | null;
  proof: StateProof;
}

export type StateTreeErrorCode = 'state_version_missing';

/** Operational error: the caller asked for a version the store does not hold. */
export class StateTreeError extends Error {
  override name = 'StateTreeError';
  readonly code: StateTreeErrorCode;
  readonly version: StateVersion;

  constructor(code: StateTreeErrorCode, version: StateVersion) {
    super(`${code}: version ${version}`);
    this.code = code;
    this.version = version;
  }
}
