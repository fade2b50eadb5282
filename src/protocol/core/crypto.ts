/**
 * The cryptography port. Protocol code never reaches for a crypto library itself: it is
 * handed a Crypto, so the node can plug in the fastest native path (libsodium) while the
 * SDK in a browser and the tests use the pure implementation. Every implementation must
 * produce identical bytes; differential tests hold them to it.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import type { Bytes } from './bytes.js';

export interface Crypto {
  /** Which implementation this is, for logs and benchmark reports. */
  readonly name: string;
  sha256(data: Bytes): Bytes;
  /** Strict RFC 8032 verification: a non-canonical S or a small-order key is invalid. */
  verifyEd25519(signature: Bytes, message: Bytes, publicKey: Bytes): boolean;
}

export interface Signer {
  readonly publicKey: Bytes;
  sign(message: Bytes): Bytes;
}

export const ED25519_PUBLIC_KEY_BYTES = 32;
export const ED25519_SIGNATURE_BYTES = 64;
export const ED25519_SEED_BYTES = 32;
export const SHA256_BYTES = 32;

/** Pure JavaScript implementation (noble): portable and audited, slower than libsodium. */
export const pureCrypto: Crypto = {
  name: 'noble',
  sha256: (data) => nobleSha256(data),
  verifyEd25519(signature, message, publicKey) {
    if (signature.length !== ED25519_SIGNATURE_BYTES) {
      return false;
    }
    if (publicKey.length !== ED25519_PUBLIC_KEY_BYTES) {
      return false;
    }
    try {
      return ed25519.verify(signature, message, publicKey, { zip215: false });
    } catch {
      return false;
    }
  },
};

/** A signer from a 32-byte RFC 8032 seed, pure JavaScript. */
export function seedSigner(seed: Bytes): Signer {
  const publicKey = ed25519.getPublicKey(seed);
  return { publicKey, sign: (message) => ed25519.sign(message, seed) };
}
