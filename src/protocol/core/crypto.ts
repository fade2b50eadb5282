/**
 * The cryptography port. Protocol code never reaches for a crypto library itself: it is
 * handed a Crypto, so the node can plug in the fastest native path (libsodium) while the
 * SDK in a browser and the tests use the pure implementation. Every implementation must
 * produce identical bytes; differential tests hold them to it.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 as nobleSha256, sha512 } from '@noble/hashes/sha2.js';
import { type Bytes, bytesEqual, concatBytes, fromHex } from './bytes.js';

export interface Crypto {
  /** Which implementation this is, for logs and benchmark reports. */
  readonly name: string;
  sha256(data: Bytes): Bytes;
  /**
   * Strict RFC 8032 verification with libsodium's rules, which every implementation must
   * follow bit for bit (a disagreement forks the chain): S < L; R and A not of small order;
   * A canonically encoded; the cofactorless equation [S]B = R + [k]A compared as encodings.
   */
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

/** The group order L of Ed25519, little-endian, for the canonical-S check. */
const GROUP_ORDER_LE = Uint8Array.from([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
]);
const GROUP_ORDER = 2n ** 252n + 27742317777372353535851937790883648493n;

/**
 * Encodings of the points of order 1, 2, 4 and 8, including the non-canonical encodings of
 * 0 and 1 as p and p + 1; compared with the sign bit masked. libsodium's list.
 */
const SMALL_ORDER_ENCODINGS = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map(fromHex);

/** S < L, reading the last 32 bytes of a signature as a little-endian integer. */
export function isCanonicalEd25519Scalar(scalar: Bytes): boolean {
  for (let i = 31; i >= 0; i--) {
    const diff = scalar[i]! - GROUP_ORDER_LE[i]!;
    if (diff !== 0) {
      return diff < 0;
    }
  }
  return false;
}

/** y < p = 2^255 - 19, with the sign bit ignored. */
export function isCanonicalEd25519Point(encoding: Bytes): boolean {
  if ((encoding[31]! & 0x7f) !== 0x7f) {
    return true;
  }
  for (let i = 30; i > 0; i--) {
    if (encoding[i] !== 0xff) {
      return true;
    }
  }
  return encoding[0]! < 0xed;
}

export function hasSmallOrderEd25519Encoding(encoding: Bytes): boolean {
  return SMALL_ORDER_ENCODINGS.some((blocked) => {
    for (let i = 0; i < 31; i++) {
      if (encoding[i] !== blocked[i]) {
        return false;
      }
    }
    return (encoding[31]! & 0x7f) === blocked[31];
  });
}

/**
 * The checks libsodium makes before the curve equation. OpenSSL and noble skip some of them
 * (both accept R = identity; OpenSSL accepts small-order keys, which verify any message), so
 * every non-libsodium Crypto runs this first.
 */
export function passesStrictEd25519Checks(signature: Bytes, publicKey: Bytes): boolean {
  if (signature.length !== ED25519_SIGNATURE_BYTES) {
    return false;
  }
  if (publicKey.length !== ED25519_PUBLIC_KEY_BYTES) {
    return false;
  }
  if (!isCanonicalEd25519Scalar(signature.subarray(32))) {
    return false;
  }
  if (hasSmallOrderEd25519Encoding(signature.subarray(0, 32))) {
    return false;
  }
  return isCanonicalEd25519Point(publicKey) && !hasSmallOrderEd25519Encoding(publicKey);
}

function scalarFromLittleEndian(bytes: Bytes): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) {
    value = (value << 8n) | BigInt(bytes[i]!);
  }
  return value;
}

/**
 * Cofactorless check [S]B - [k]A == R on encodings, as libsodium and OpenSSL do. noble's own
 * verify is cofactored, which accepts signatures whose R has a torsion component.
 */
function verifyCofactorless(signature: Bytes, message: Bytes, publicKey: Bytes): boolean {
  const encodedR = signature.subarray(0, 32);
  let A: InstanceType<typeof ed25519.Point>;
  try {
    A = ed25519.Point.fromBytes(publicKey, false);
  } catch {
    return false;
  }
  const digest = sha512(concatBytes(encodedR, publicKey, message));
  const k = scalarFromLittleEndian(digest) % GROUP_ORDER;
  const S = scalarFromLittleEndian(signature.subarray(32));
  const check = ed25519.Point.BASE.multiplyUnsafe(S).subtract(A.multiplyUnsafe(k));
  return bytesEqual(check.toBytes(), encodedR);
}

/** Pure JavaScript implementation (noble): portable and audited, slower than libsodium. */
export const pureCrypto: Crypto = {
  name: 'noble',
  sha256: (data) => nobleSha256(data),
  verifyEd25519(signature, message, publicKey) {
    if (!passesStrictEd25519Checks(signature, publicKey)) {
      return false;
    }
    return verifyCofactorless(signature, message, publicKey);
  },
};

/** A signer from a 32-byte RFC 8032 seed, pure JavaScript. */
export function seedSigner(seed: Bytes): Signer {
  const publicKey = ed25519.getPublicKey(seed);
  return { publicKey, sign: (message) => ed25519.sign(message, seed) };
}
