/**
 * Reads a key's value at any kept version by walking the tree. The tree is the only copy of
 * the state: the node reads its latest values this way too, behind a cache and a filter of
 * the keys that exist (docs/adr/0007-state-in-the-tree-only.md).
 */
import type { Bytes } from '../core/bytes.js';
import { toHex } from '../core/bytes.js';
import type { Crypto } from '../core/crypto.js';
import type { Hash } from '../core/hash.js';
import { loadRoot } from './load-root.js';
import { keyHashOf, leafValue, nodeHash, sameHash } from './node-codec.js';
import type { StateVersion, TreeNodeStore } from './types.js';
import { walkPath } from './walk-path.js';

/** The key's value at `version`, or null when the key has none. */
export function getValue(
  crypto: Crypto,
  store: TreeNodeStore,
  version: StateVersion,
  key: string,
): Bytes | null {
  return getValueByHash(store, version, keyHashOf(crypto, key));
}

/** As getValue, for a caller that already holds the key's hash. */
export function getValueByHash(
  store: TreeNodeStore,
  version: StateVersion,
  keyHash: Bytes,
): Bytes | null {
  const leaf = walkPath(store, version, keyHash, NO_VISIT);
  if (leaf === null || !sameHash(keyHash, 0, leaf, 1)) {
    return null;
  }
  return leafValue(leaf);
}

const NO_VISIT = () => {};

/** The state root of a kept version, e.g. to check a store against block headers. */
export function getRootHash(crypto: Crypto, store: TreeNodeStore, version: StateVersion): Hash {
  return toHex(nodeHash(crypto, loadRoot(store, version))) as Hash;
}
