/**
 * Transactions: the wire shape, strict decoding from untrusted JSON, the bytes that are
 * signed, and the transaction hash. See docs/spec/transaction.md.
 */
import { assert } from '../core/assert.js';
import { type Bytes, fromHex, hexInto, isHex, toHex } from '../core/bytes.js';
import type { JsonObject } from '../core/canonical.js';
import { canonicalBytes } from '../core/canonical.js';
import type { Crypto, Signer } from '../core/crypto.js';
import { DOMAIN, domainBytes, type Hash } from '../core/hash.js';

export interface UnsignedTransaction {
  chainId: string;
  /** Ed25519 public key of the signer, lowercase hex (32 bytes). */
  signer: string;
  /** The signer's next nonce: 0 for the first transaction, then one more each time. */
  nonce: number;
  module: string;
  action: string;
  args: JsonObject;
  /** Last height at which this transaction may be included. */
  expiresAt?: number;
}

export interface Transaction extends UnsignedTransaction {
  /** Ed25519 signature over signingBytes(transaction), lowercase hex (64 bytes). */
  signature: string;
}

export const TRANSACTION_LIMITS = {
  /** Canonical encoding of the whole signed transaction. */
  sizeBytesMax: 64 * 1024,
  chainIdLengthMax: 64,
  argsDepthMax: 16,
} as const;

const CHAIN_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
const MODULE_NAME = /^[a-z][a-z0-9-]{0,31}$/;
const ACTION_NAME = /^[a-zA-Z][a-zA-Z0-9]{0,63}$/;
const FIELDS = new Set([
  'chainId',
  'signer',
  'nonce',
  'module',
  'action',
  'args',
  'expiresAt',
  'signature',
]);

export type DecodeResult<T> =
  | { ok: true; value: T }
  | { ok: false; field: string; message: string };

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(field: string, message: string): { ok: false; field: string; message: string } {
  return { ok: false, field, message };
}

/**
 * Checks shape and types of an untrusted value (parsed JSON). It does not check the
 * signature, the chain id or the nonce against state: those need context.
 */
export function decodeTransaction(value: unknown): DecodeResult<Transaction> {
  if (!isPlainObject(value)) {
    return fail('', 'a transaction must be a JSON object');
  }
  for (const key of Object.keys(value)) {
    if (!FIELDS.has(key)) {
      return fail(key, `unknown field "${key}"`);
    }
  }
  const { chainId, signer, nonce, module, action, args, expiresAt, signature } = value;
  if (typeof chainId !== 'string' || !CHAIN_ID.test(chainId)) {
    return fail('chainId', 'chainId must be 1-64 characters of a-z, 0-9 and -');
  }
  if (typeof signer !== 'string' || !isHex(signer, 32)) {
    return fail('signer', 'signer must be a 32-byte Ed25519 public key in lowercase hex');
  }
  if (!isNonNegativeInteger(nonce)) {
    return fail('nonce', 'nonce must be a non-negative integer');
  }
  if (typeof module !== 'string' || !MODULE_NAME.test(module)) {
    return fail('module', 'module must match [a-z][a-z0-9-]{0,31}');
  }
  if (typeof action !== 'string' || !ACTION_NAME.test(action)) {
    return fail('action', 'action must match [a-zA-Z][a-zA-Z0-9]{0,63}');
  }
  if (!isPlainObject(args)) {
    return fail('args', 'args must be a JSON object');
  }
  const argsProblem = checkJson(args, 0);
  if (argsProblem !== undefined) {
    return fail('args', argsProblem);
  }
  if (expiresAt !== undefined && !isNonNegativeInteger(expiresAt)) {
    return fail('expiresAt', 'expiresAt must be a non-negative integer height');
  }
  if (typeof signature !== 'string' || !isHex(signature, 64)) {
    return fail('signature', 'signature must be a 64-byte Ed25519 signature in lowercase hex');
  }
  return { ok: true, value: acceptedTransaction(value) };
}

/**
 * The Transaction decodeTransaction returns for `value`, without its checks. Only for a
 * value decodeTransaction has accepted, or an identical one: the same JSON text parsed on
 * another thread, where it was decoded (a client's batch, prepared off the main thread).
 * Fields come in one order, so every transaction object has one shape.
 */
export function acceptedTransaction(value: Record<string, unknown>): Transaction {
  const transaction: Transaction = {
    chainId: value.chainId as string,
    signer: value.signer as string,
    nonce: value.nonce as number,
    module: value.module as string,
    action: value.action as string,
    args: value.args as JsonObject,
    signature: value.signature as string,
  };
  if (value.expiresAt !== undefined) {
    transaction.expiresAt = value.expiresAt as number;
  }
  return transaction;
}

export function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Arguments must be plain JSON with safe-integer numbers and bounded depth. */
function checkJson(value: unknown, depth: number): string | undefined {
  if (depth > TRANSACTION_LIMITS.argsDepthMax) {
    return `args nest deeper than ${TRANSACTION_LIMITS.argsDepthMax} levels`;
  }
  if (value === null || typeof value === 'string' || typeof value === 'boolean') {
    return undefined;
  }
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) ? undefined : 'numbers in args must be safe integers';
  }
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = checkJson(item, depth + 1);
      if (problem !== undefined) {
        return problem;
      }
    }
    return undefined;
  }
  if (isPlainObject(value)) {
    for (const key of Object.keys(value)) {
      const problem = checkJson(value[key], depth + 1);
      if (problem !== undefined) {
        return problem;
      }
    }
    return undefined;
  }
  return 'args hold a value that is not JSON';
}

export function unsignedPart(transaction: Transaction): UnsignedTransaction {
  const { signature: _signature, ...unsigned } = transaction;
  return unsigned;
}

/** The bytes the signer signs: the domain tag, then RFC 8785 JSON of the unsigned fields. */
export function signingBytes(transaction: UnsignedTransaction): Bytes {
  return domainBytes('transaction', withoutSignature(transaction));
}

function withoutSignature(transaction: UnsignedTransaction): UnsignedTransaction {
  if ('signature' in transaction) {
    return unsignedPart(transaction as Transaction);
  }
  return transaction;
}

/** The transaction hash (its id): SHA-256 of the signing bytes. */
export function transactionHash(crypto: Crypto, transaction: UnsignedTransaction): Hash {
  return toHex(crypto.sha256(signingBytes(transaction))) as Hash;
}

/** The Merkle leaf that commits a block to this transaction: hash then signature. */
export const TRANSACTION_LEAF_BYTES = 96;

export function transactionLeaf(hash: string, signature: string): Bytes {
  const leaf = new Uint8Array(TRANSACTION_LEAF_BYTES);
  writeTransactionLeaf(hash, signature, leaf, 0);
  return leaf;
}

/** The leaf written into a caller's buffer: a block root reuses one for every leaf. */
export function writeTransactionLeaf(
  hash: string,
  signature: string,
  target: Bytes,
  offset: number,
): void {
  assert(hash.length === 64 && signature.length === 128, 'transaction leaf: bad lengths');
  hexInto(hash, target, offset);
  hexInto(signature, target, offset + 32);
}

export function encodedSize(transaction: Transaction): number {
  return canonicalBytes(transaction).length;
}

const TRANSACTION_DOMAIN_BYTES = DOMAIN.transaction.length;
/** `,"signature":"` + 128 hex digits + `"`: what the signature adds to the canonical form. */
const SIGNATURE_FIELD_BYTES = 14 + 128 + 1;

/**
 * The canonical size of the signed transaction, from its signing bytes: the unsigned object
 * is never empty, so the signature field always adds exactly SIGNATURE_FIELD_BYTES.
 */
export function encodedSizeFromSigningBytes(bytes: Bytes): number {
  return bytes.length - TRANSACTION_DOMAIN_BYTES + SIGNATURE_FIELD_BYTES;
}

export function signTransaction(signer: Signer, transaction: UnsignedTransaction): Transaction {
  const unsigned = withoutSignature(transaction);
  const signature = toHex(signer.sign(signingBytes(unsigned)));
  return { ...unsigned, signature };
}

export function verifyTransactionSignature(crypto: Crypto, transaction: Transaction): boolean {
  return crypto.verifyEd25519(
    fromHex(transaction.signature),
    signingBytes(transaction),
    fromHex(transaction.signer),
  );
}
