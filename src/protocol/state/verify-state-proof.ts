/**
 * Checks a state proof against a root. Pure and self-contained so that a client can verify
 * offline; proofs come from untrusted peers, so malformed input yields false, never throws.
 * The algorithm is normative: docs/spec/state.md, "Verifying a proof".
 */
import { type Bytes, bytesEqual, fromHex, isHex } from '../core/bytes.js';
import type { Crypto } from '../core/crypto.js';
import {
  DEPTH_MAX,
  EMPTY_ROOT_HASH,
  HASH_BYTES,
  INTERNAL_TAG,
  internalPreimageBytes,
  keyHashOf,
  LEAF_PREIMAGE_BYTES,
  LEAF_TAG,
  nibbleAt,
  popcount16,
  RADIX,
} from './node-codec.js';
import type { StateProof, StateProofLeaf, StateProofStep } from './types.js';

export interface VerifyStateProofParams {
  /** Hex state root from a trusted block header. */
  root: string;
  key: string;
  /** The value claimed for the key, or null to claim the key has none. */
  value: Bytes | null;
  proof: StateProof;
}

export function verifyStateProof(crypto: Crypto, params: VerifyStateProofParams): boolean {
  const { root, key, value, proof } = params;
  if (typeof root !== 'string' || !isHex(root, HASH_BYTES) || !isWellFormed(proof)) {
    return false;
  }
  const keyHash = keyHashOf(crypto, key);
  const depth = proof.steps.length;
  let current: Bytes | null = null;
  if (proof.leaf !== null) {
    const leafKeyHash = fromHex(proof.leaf.keyHash);
    const leafValueHash = fromHex(proof.leaf.valueHash);
    if (!leafFits({ keyHash, leafKeyHash, depth, value })) {
      return false;
    }
    if (value !== null && !bytesEqual(crypto.sha256(value), leafValueHash)) {
      return false;
    }
    const preimage = new Uint8Array(LEAF_PREIMAGE_BYTES);
    preimage[0] = LEAF_TAG;
    preimage.set(leafKeyHash, 1);
    preimage.set(leafValueHash, 1 + HASH_BYTES);
    current = crypto.sha256(preimage);
  } else if (value !== null) {
    return false;
  }
  for (let i = depth - 1; i >= 0; i--) {
    const step = proof.steps[i]!;
    const pathNibble = nibbleAt(keyHash, i);
    const onPath = (step.childMask & (1 << pathNibble)) !== 0;
    // Only the last step may miss the path, and only when the path ends in an empty slot.
    if (onPath !== (i < depth - 1 || current !== null)) {
      return false;
    }
    if (step.siblings.length !== popcount16(step.childMask) - (onPath ? 1 : 0)) {
      return false;
    }
    current = hashStep(crypto, step, pathNibble, current);
  }
  return bytesEqual(current ?? EMPTY_ROOT_HASH, fromHex(root));
}

/**
 * A leaf proves the key's value when it is the key's own leaf, and proves absence when it
 * is another key's leaf on the same path: a leaf is the only key under its prefix.
 */
function leafFits(params: {
  keyHash: Bytes;
  leafKeyHash: Bytes;
  depth: number;
  value: Bytes | null;
}): boolean {
  const { keyHash, leafKeyHash, depth, value } = params;
  const same = bytesEqual(keyHash, leafKeyHash);
  if (value !== null) {
    return same;
  }
  if (same) {
    return false;
  }
  for (let i = 0; i < depth; i++) {
    if (nibbleAt(keyHash, i) !== nibbleAt(leafKeyHash, i)) {
      return false;
    }
  }
  return true;
}

function hashStep(
  crypto: Crypto,
  step: StateProofStep,
  pathNibble: number,
  child: Bytes | null,
): Bytes {
  const preimage = new Uint8Array(internalPreimageBytes(popcount16(step.childMask)));
  preimage[0] = INTERNAL_TAG;
  preimage[1] = step.childMask >> 8;
  preimage[2] = step.childMask & 0xff;
  let offset = 3;
  let sibling = 0;
  for (let nibble = 0; nibble < RADIX; nibble++) {
    if ((step.childMask & (1 << nibble)) === 0) {
      continue;
    }
    const hash = nibble === pathNibble ? child! : fromHex(step.siblings[sibling++]!);
    preimage.set(hash, offset);
    offset += HASH_BYTES;
  }
  return crypto.sha256(preimage);
}

function isWellFormed(proof: unknown): proof is StateProof {
  if (typeof proof !== 'object' || proof === null) {
    return false;
  }
  const { steps, leaf } = proof as { steps?: unknown; leaf?: unknown };
  if (!Array.isArray(steps) || steps.length > DEPTH_MAX || !steps.every(isWellFormedStep)) {
    return false;
  }
  return leaf === null || isWellFormedLeaf(leaf);
}

function isWellFormedStep(step: unknown): step is StateProofStep {
  if (typeof step !== 'object' || step === null) {
    return false;
  }
  const { childMask, siblings } = step as { childMask?: unknown; siblings?: unknown };
  if (typeof childMask !== 'number' || !Number.isInteger(childMask)) {
    return false;
  }
  if (childMask < 1 || childMask > 0xffff || !Array.isArray(siblings)) {
    return false;
  }
  return siblings.every((sibling) => typeof sibling === 'string' && isHex(sibling, HASH_BYTES));
}

function isWellFormedLeaf(leaf: unknown): leaf is StateProofLeaf {
  if (typeof leaf !== 'object' || leaf === null) {
    return false;
  }
  const { keyHash, valueHash } = leaf as { keyHash?: unknown; valueHash?: unknown };
  return (
    typeof keyHash === 'string' &&
    isHex(keyHash, HASH_BYTES) &&
    typeof valueHash === 'string' &&
    isHex(valueHash, HASH_BYTES)
  );
}
