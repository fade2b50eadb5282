/**
 * Participant keys: an Ed25519 key that signs transactions and an X25519 key that others
 * use to wrap document keys for this participant. Randomness comes from WebCrypto so the
 * same code runs in browsers and in Node.
 */
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { type Bytes, fromHex, isHex, toHex } from '../protocol/core/bytes.js';
import { ED25519_SEED_BYTES, type Signer, seedSigner } from '../protocol/core/crypto.js';

export const X25519_KEY_BYTES = 32;

export interface SigningKeyPair {
  /** The 32-byte RFC 8032 seed: the secret. */
  seed: Bytes;
  publicKey: Bytes;
}

export interface EncryptionKeyPair {
  /** The 32-byte X25519 scalar: the secret. */
  secretKey: Bytes;
  publicKey: Bytes;
}

/** Everything one participant holds: both secrets and both public keys. */
export interface ParticipantKeys {
  signing: SigningKeyPair;
  encryption: EncryptionKeyPair;
}

export interface PublicKeysHex {
  signing: string;
  encryption: string;
}

/** Secure random bytes from the host's WebCrypto (browser or Node 20). */
export function randomBytes(length: number): Bytes {
  const out = new Uint8Array(length);
  globalThis.crypto.getRandomValues(out);
  return out;
}

export function generateSigningKeyPair(): SigningKeyPair {
  return signingKeyPairFromSeed(randomBytes(ED25519_SEED_BYTES));
}

export function signingKeyPairFromSeed(seed: Bytes): SigningKeyPair {
  if (seed.length !== ED25519_SEED_BYTES) {
    throw new RangeError(`an Ed25519 seed is ${ED25519_SEED_BYTES} bytes, got ${seed.length}`);
  }
  return { seed, publicKey: ed25519.getPublicKey(seed) };
}

export function generateEncryptionKeyPair(): EncryptionKeyPair {
  return encryptionKeyPairFromSecret(randomBytes(X25519_KEY_BYTES));
}

export function encryptionKeyPairFromSecret(secretKey: Bytes): EncryptionKeyPair {
  if (secretKey.length !== X25519_KEY_BYTES) {
    throw new RangeError(`an X25519 secret key is ${X25519_KEY_BYTES} bytes`);
  }
  return { secretKey, publicKey: x25519.getPublicKey(secretKey) };
}

export function generateParticipantKeys(): ParticipantKeys {
  return { signing: generateSigningKeyPair(), encryption: generateEncryptionKeyPair() };
}

/** A transaction signer from a 32-byte seed; the seed stays inside the closure. */
export function signerFromSeed(seed: Bytes): Signer {
  signingKeyPairFromSeed(seed);
  return seedSigner(seed);
}

export function publicKeysHex(keys: ParticipantKeys): PublicKeysHex {
  return { signing: toHex(keys.signing.publicKey), encryption: toHex(keys.encryption.publicKey) };
}

/** Lowercase hex of a 32-byte public key, the form used on the wire and in state. */
export function publicKeyToHex(publicKey: Bytes): string {
  if (publicKey.length !== 32) {
    throw new RangeError(`a public key is 32 bytes, got ${publicKey.length}`);
  }
  return toHex(publicKey);
}

/** Parses a public key typed by a person: case and a 0x prefix are forgiven. */
export function publicKeyFromHex(text: string): Bytes {
  const normalized = text.trim().toLowerCase().replace(/^0x/, '');
  if (!isHex(normalized, 32)) {
    throw new RangeError('a public key is 64 hex digits (32 bytes)');
  }
  return fromHex(normalized);
}
