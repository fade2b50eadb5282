/**
 * Reads a key's value at any kept version by walking the tree. The node keeps a flat
 * latest-value table for hot reads; this is the path for historical reads and for checks.
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
  const keyHash = keyHashOf(crypto, key);
  const leaf = walkPath(store, version, keyHash, () => {});
  if (leaf === null || !sameHash(keyHash, 0, leaf, 1)) {
    return null;
  }
  return leafValue(leaf);
}

/** The state root of a kept version, e.g. to check a store against block headers. */
export function getRootHash(crypto: Crypto, store: TreeNodeStore, version: StateVersion): Hash {
  return toHex(nodeHash(crypto, loadRoot(store, version))) as Hash;
}
