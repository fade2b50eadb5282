/**
 * Produces a proof that a key has its value, or has none, under a kept version's root.
 * Not a hot path: proofs are built on request, so hex conversion here is fine.
 */
import { toHex } from '../core/bytes.js';
import type { Crypto } from '../core/crypto.js';
import {
  HASH_BYTES,
  keyHashOf,
  leafKeyHash,
  leafValue,
  leafValueHash,
  RADIX,
  sameHash,
} from './node-codec.js';
import type { ProveKeyResult, StateProofStep, StateVersion, TreeNodeStore } from './types.js';
import { walkPath } from './walk-path.js';

export function proveKey(
  crypto: Crypto,
  store: TreeNodeStore,
  version: StateVersion,
  key: string,
): ProveKeyResult {
  const keyHash = keyHashOf(crypto, key);
  const steps: StateProofStep[] = [];
  const leaf = walkPath(store, version, keyHash, (table, pathNibble) => {
    const siblings: string[] = [];
    for (let nibble = 0; nibble < RADIX; nibble++) {
      if (nibble !== pathNibble && (table.mask & (1 << nibble)) !== 0) {
        const offset = table.offsets[nibble]!;
        siblings.push(toHex(table.sources[nibble]!.subarray(offset, offset + HASH_BYTES)));
      }
    }
    steps.push({ childMask: table.mask, siblings });
  });
  if (leaf === null) {
    return { value: null, proof: { steps, leaf: null } };
  }
  const proofLeaf = { keyHash: toHex(leafKeyHash(leaf)), valueHash: toHex(leafValueHash(leaf)) };
  const value = sameHash(keyHash, 0, leaf, 1) ? leafValue(leaf) : null;
  return { value, proof: { steps, leaf: proofLeaf } };
}
