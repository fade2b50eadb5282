/**
 * What admission computes from an untrusted value before it looks at state: the strict
 * decode, the signing bytes, the size limit and the hash. It needs no node context, so a
 * verifier thread runs it too, for a client's whole batch, off the main thread.
 */
import { toHex } from '../../protocol/core/bytes.js';
import type { Hash } from '../../protocol/core/hash.js';
import {
  decodeTransaction,
  encodedSizeFromSigningBytes,
  signingBytes,
  TRANSACTION_LIMITS,
  type Transaction,
} from '../../protocol/ledger/transaction.js';
import type { PreparedTransaction } from './mempool.js';

export interface PreparedEntry extends PreparedTransaction {
  transaction: Transaction;
}

/** Why a value was refused before admission; plain data, so it crosses threads. */
export interface Refusal {
  code: 'invalid_transaction' | 'payload_too_large';
  detail: string;
  field?: string;
}

export type Preparation = { ok: true; entry: PreparedEntry } | { ok: false; refusal: Refusal };

export function prepareTransaction(
  value: unknown,
  sha256: (data: Uint8Array) => Uint8Array,
): Preparation {
  const decoded = decodeTransaction(value);
  if (!decoded.ok) {
    const detail = decoded.field ? `${decoded.field}: ${decoded.message}` : decoded.message;
    const refusal: Refusal = { code: 'invalid_transaction', detail };
    if (decoded.field) {
      refusal.field = decoded.field;
    }
    return { ok: false, refusal };
  }
  const bytes = signingBytes(decoded.value);
  const size = encodedSizeFromSigningBytes(bytes);
  if (size > TRANSACTION_LIMITS.sizeBytesMax) {
    const limit = TRANSACTION_LIMITS.sizeBytesMax;
    const detail = `transaction is ${size} bytes; the limit is ${limit}`;
    return { ok: false, refusal: { code: 'payload_too_large', detail } };
  }
  const hash = toHex(sha256(bytes)) as Hash;
  return { ok: true, entry: { transaction: decoded.value, hash, signingBytes: bytes } };
}

/** A prepared batch as a verifier thread sends it back: a few arrays, whatever its size. */
export interface PreparedBatch {
  /** Per item: 0 prepared with a valid signature, 1 prepared with a bad one, 2 refused. */
  statuses: Uint8Array;
  /** Per item: the transaction hash, '' when refused. */
  hashes: string[];
  /** Every prepared item's signing bytes, one after another. */
  signing: ArrayBuffer;
  /** Per item: where its signing bytes end in `signing` (a refused item's are empty). */
  ends: Uint32Array;
  refusals: Array<[index: number, refusal: Refusal]>;
}

export const PREPARED_VALID = 0;
export const PREPARED_BAD_SIGNATURE = 1;
export const PREPARED_REFUSED = 2;

/**
 * Prepares and verifies the first `limit` transactions of a `{ "transactions": [...] }`
 * document. `verify` checks one transaction's signature over its signing bytes.
 */
export function prepareBatch(
  text: string,
  limit: number,
  sha256: (data: Uint8Array) => Uint8Array,
  verify: (transaction: Transaction, signingBytes: Uint8Array) => boolean,
): PreparedBatch {
  const values = (JSON.parse(text) as { transactions: unknown[] }).transactions;
  const count = Math.min(limit, values.length);
  const statuses = new Uint8Array(count);
  const hashes = new Array<string>(count).fill('');
  const ends = new Uint32Array(count);
  const refusals: Array<[number, Refusal]> = [];
  const parts: Uint8Array[] = [];
  let total = 0;
  for (let index = 0; index < count; index++) {
    const prepared = prepareTransaction(values[index], sha256);
    if (!prepared.ok) {
      statuses[index] = PREPARED_REFUSED;
      refusals.push([index, prepared.refusal]);
    } else {
      const { transaction, hash, signingBytes: bytes } = prepared.entry;
      statuses[index] = verify(transaction, bytes) ? PREPARED_VALID : PREPARED_BAD_SIGNATURE;
      hashes[index] = hash;
      parts.push(bytes);
      total += bytes.length;
    }
    ends[index] = total;
  }
  const signing = new ArrayBuffer(total);
  const into = new Uint8Array(signing);
  let offset = 0;
  for (const part of parts) {
    into.set(part, offset);
    offset += part.length;
  }
  return { statuses, hashes, signing, ends, refusals };
}
