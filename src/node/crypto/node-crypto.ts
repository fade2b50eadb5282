/**
 * The node:crypto (OpenSSL) Crypto: no native addon to install, so it is the fallback when
 * sodium-native cannot load. OpenSSL takes Ed25519 keys only as KeyObjects, so raw 32-byte
 * keys are wrapped in a fixed SPKI DER prefix and the KeyObjects are cached: validators sign
 * many transactions each, and building a KeyObject costs about as much as a verification.
 */
import nodeCryptoModule, {
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto';
import { assert } from '../../protocol/core/assert.js';
import { toHex } from '../../protocol/core/bytes.js';
import {
  type Crypto,
  ED25519_PUBLIC_KEY_BYTES,
  ED25519_SEED_BYTES,
  passesStrictEd25519Checks,
  SHA256_BYTES,
  type Signer,
} from '../../protocol/core/crypto.js';

/** SEQUENCE { SEQUENCE { OID 1.3.101.112 }, BIT STRING (32 bytes) } up to the key. */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
/** PKCS#8 v1 with OID 1.3.101.112 and an OCTET STRING holding the 32-byte seed. */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const KEY_CACHE_ENTRIES_MAX = 4096;

/** crypto.hash (Node ≥ 20.12) skips the Hash object; older Node 20 falls back to it. */
const oneShotHash:
  | ((algorithm: string, data: Uint8Array, encoding: 'binary') => string)
  | undefined = typeof nodeCryptoModule.hash === 'function' ? nodeCryptoModule.hash : undefined;

/**
 * SHA-256 into a fresh 32-byte array. The digest comes back as a 'binary' (latin1) string,
 * one char per byte, and is copied in: Node's Buffer result costs about 1 µs more per call,
 * and each one is a separate off-heap allocation the collector must sweep, while a 32-byte
 * Uint8Array lives on V8's heap like any small object. A validator hashes tens of times
 * per transaction (tree keys, leaves and nodes, block roots), so this is on the hot path.
 */
export function sha256Bytes(data: Uint8Array): Uint8Array {
  const digest =
    oneShotHash !== undefined
      ? oneShotHash('sha256', data, 'binary')
      : createHash('sha256').update(data).digest('binary');
  const out = new Uint8Array(SHA256_BYTES);
  for (let i = 0; i < SHA256_BYTES; i++) {
    out[i] = digest.charCodeAt(i);
  }
  return out;
}

/** Insertion-ordered Map as a small LRU: a hit moves the key to the end. */
const keyCache = new Map<string, KeyObject | null>();

function publicKeyObject(publicKey: Uint8Array): KeyObject | null {
  const id = toHex(publicKey);
  const cached = keyCache.get(id);
  if (cached !== undefined) {
    keyCache.delete(id);
    keyCache.set(id, cached);
    return cached;
  }
  let key: KeyObject | null;
  try {
    const der = Buffer.concat([SPKI_PREFIX, publicKey]);
    key = createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch {
    // Not a point on the curve: cache the refusal too, it is as deterministic.
    key = null;
  }
  if (keyCache.size >= KEY_CACHE_ENTRIES_MAX) {
    const oldest = keyCache.keys().next().value;
    if (oldest !== undefined) {
      keyCache.delete(oldest);
    }
  }
  keyCache.set(id, key);
  return key;
}

export const nodeCrypto: Crypto = {
  name: 'node',
  sha256: sha256Bytes,
  verifyEd25519(signature, message, publicKey) {
    // OpenSSL accepts small-order keys and R = identity; libsodium's rules decide for all.
    if (!passesStrictEd25519Checks(signature, publicKey)) {
      return false;
    }
    const key = publicKeyObject(publicKey);
    if (key === null) {
      return false;
    }
    return nodeVerify(null, message, key, signature);
  },
};

/** A signer from a 32-byte RFC 8032 seed through OpenSSL. */
export function nodeSigner(seed: Uint8Array): Signer {
  assert(seed.length === ED25519_SEED_BYTES, 'node signer: seed must be 32 bytes');
  const der = Buffer.concat([PKCS8_PREFIX, seed]);
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const publicKey = new Uint8Array(spki.subarray(SPKI_PREFIX.length));
  assert(publicKey.length === ED25519_PUBLIC_KEY_BYTES, 'node signer: unexpected SPKI length');
  return {
    publicKey,
    sign(message) {
      return new Uint8Array(nodeSign(null, message, privateKey));
    },
  };
}
