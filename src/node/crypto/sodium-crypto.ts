/**
 * The libsodium Crypto: the node's default, because it verifies Ed25519 several times
 * faster than the alternatives (docs/adr/0001-ed25519-verification-path.md). sodium-native
 * reads any Uint8Array view in place, so callers' buffers are never copied.
 *
 * SHA-256 is the exception: libsodium's is portable C (about 230 MB/s here), while
 * OpenSSL uses the CPU's SHA extensions (about 780 MB/s, and less overhead per call on the
 * small inputs of transactions and tree nodes), so hashing goes through node:crypto.
 */
import sodium from 'sodium-native';
import { assert } from '../../protocol/core/assert.js';
import {
  type Crypto,
  ED25519_PUBLIC_KEY_BYTES,
  ED25519_SEED_BYTES,
  ED25519_SIGNATURE_BYTES,
  type Signer,
} from '../../protocol/core/crypto.js';
import { sha256Bytes } from './node-crypto.js';

export const sodiumCrypto: Crypto = {
  name: 'sodium',
  sha256: sha256Bytes,
  verifyEd25519(signature, message, publicKey) {
    // libsodium throws on wrong lengths; a malformed signature is simply not valid.
    if (signature.length !== ED25519_SIGNATURE_BYTES) {
      return false;
    }
    if (publicKey.length !== ED25519_PUBLIC_KEY_BYTES) {
      return false;
    }
    return sodium.crypto_sign_verify_detached(signature, message, publicKey);
  },
};

/** A signer from a 32-byte RFC 8032 seed; the secret key lives in guarded sodium memory. */
export function sodiumSigner(seed: Uint8Array): Signer {
  assert(seed.length === ED25519_SEED_BYTES, 'sodium signer: seed must be 32 bytes');
  const publicKey = new Uint8Array(sodium.crypto_sign_PUBLICKEYBYTES);
  const secretKey = sodium.sodium_malloc(sodium.crypto_sign_SECRETKEYBYTES);
  sodium.crypto_sign_seed_keypair(publicKey, secretKey, seed);
  return {
    publicKey,
    sign(message) {
      const signature = new Uint8Array(sodium.crypto_sign_BYTES);
      sodium.crypto_sign_detached(signature, message, secretKey);
      return signature;
    },
  };
}
