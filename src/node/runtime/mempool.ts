/**
 * The mempool: admits signed transactions after checks that need node context (chain id,
 * expiry, duplicates, nonce order, known signer, signature), holds them bounded, and lets
 * block production read them in arrival order, which keeps each signer's nonces in order.
 *
 * With BFT consensus a proposal may never commit (its round fails, another proposer's
 * block wins), so reading for a proposal removes nothing: entries leave only when a block
 * commits. A block proposed by another validator may commit transactions of a signer we
 * hold different ones for (the same nonce signed twice, or sent to another node only), so
 * after each commit the signers it touched are re-checked against the committed nonce.
 * Every rejection carries a stable code that the API maps to a status.
 */
import type { ExecutedTransaction } from '../../protocol/contracts/engine/types.js';
import { type Bytes, fromHex } from '../../protocol/core/bytes.js';
import type { Crypto } from '../../protocol/core/crypto.js';
import type { Hash } from '../../protocol/core/hash.js';
import {
  encodedSizeFromSigningBytes,
  type Transaction,
} from '../../protocol/ledger/transaction.js';

/** What admission computes once per transaction and reuses: its signing bytes and hash. */
export interface PreparedTransaction {
  hash: Hash;
  signingBytes: Bytes;
}

export type RejectionCode =
  | 'wrong_chain'
  | 'unknown_module'
  | 'unknown_action'
  | 'invalid_transaction'
  | 'expired'
  | 'duplicate_transaction'
  | 'stale_nonce'
  | 'nonce_gap'
  | 'unknown_signer'
  | 'bad_signature'
  | 'mempool_full';

export type Admission =
  | { ok: true; hash: Hash }
  | { ok: false; code: RejectionCode; message: string; hash?: Hash };

/** What the mempool needs to know about the chain; the runtime implements it. */
export interface MempoolContext {
  chainId: string;
  /** Height the next block will have. */
  nextHeight(): number;
  isCommitted(hash: Hash): boolean;
  /** The signer's next nonce in committed state. */
  committedNonce(signer: string): number;
  /**
   * The contract engine's read-only check: signer known and active, nonce, module, action
   * and arguments. `code` is the engine's result name when it fails.
   */
  admission(transaction: Transaction, pendingNonce: number | undefined): EngineAdmission;
}

export type EngineAdmission = { ok: true } | { ok: false; code: string; message: string };

export interface MempoolOptions {
  capacity: number;
}

/** A pending transaction with what block building needs without recomputing it. */
export interface MempoolEntry extends ExecutedTransaction {
  /** Canonical encoded size, for the block byte budget. */
  size: number;
}

/** Engine result names as API rejection codes; anything else is an invalid transaction. */
const ENGINE_REJECTIONS: Record<string, RejectionCode> = {
  unknown_signer: 'unknown_signer',
  inactive_signer: 'unknown_signer',
  unknown_module: 'unknown_module',
  unknown_action: 'unknown_action',
  invalid_arguments: 'invalid_transaction',
  wrong_chain: 'wrong_chain',
  expired: 'expired',
};

/** One signer's pending transactions, in nonce order with no gaps. */
interface SignerQueue {
  entries: MempoolEntry[];
}

export class Mempool {
  /** Insertion order is arrival order, which is nonce order within each signer. */
  private readonly entries = new Map<string, MempoolEntry>();
  /** Signature → entry: validation recognizes a proposed transaction it already checked. */
  private readonly signatures = new Map<string, MempoolEntry>();
  private readonly signers = new Map<string, SignerQueue>();

  constructor(
    private readonly options: MempoolOptions,
    private readonly deps: { crypto: Crypto; context: MempoolContext },
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get capacity(): number {
    return this.options.capacity;
  }

  has(hash: string): boolean {
    return this.entries.has(hash);
  }

  /**
   * The pending entry with this signature from this signer. Under strict Ed25519 one key's
   * signature verifies for one message only, so a match is the same signed transaction.
   */
  bySignature(signature: string, signer: string): MempoolEntry | undefined {
    const entry = this.signatures.get(signature);
    return entry?.transaction.signer === signer ? entry : undefined;
  }

  /** Next nonce for a signer counting transactions that wait here. */
  pendingNonce(signer: string): number | undefined {
    const queue = this.signers.get(signer);
    return queue === undefined ? undefined : queue.entries.at(-1)!.transaction.nonce + 1;
  }

  /**
   * Admits a decoded transaction whose signing bytes and hash the caller computed once.
   * `signatureValid` may be passed when a worker already verified the signature.
   */
  add(
    transaction: Transaction,
    prepared: PreparedTransaction,
    signatureValid?: boolean,
  ): Admission {
    const { crypto, context } = this.deps;
    const { hash } = prepared;
    if (transaction.chainId !== context.chainId) {
      const detail =
        `transaction is for chain "${transaction.chainId}", ` + `this is "${context.chainId}"`;
      return reject('wrong_chain', detail);
    }
    if (transaction.expiresAt !== undefined && transaction.expiresAt < context.nextHeight()) {
      return reject('expired', `transaction expired at height ${transaction.expiresAt}`);
    }
    if (this.size >= this.options.capacity) {
      return reject('mempool_full', 'the mempool is full; retry later');
    }
    if (this.entries.has(hash)) {
      return reject('duplicate_transaction', 'this transaction is already pending', hash);
    }
    const nonceCheck = this.checkNonce(transaction, hash);
    if (!nonceCheck.ok) {
      return nonceCheck;
    }
    const valid =
      signatureValid ??
      crypto.verifyEd25519(
        fromHex(transaction.signature),
        prepared.signingBytes,
        fromHex(transaction.signer),
      );
    if (!valid) {
      return reject('bad_signature', 'the signature does not verify for this signer', hash);
    }
    const size = encodedSizeFromSigningBytes(prepared.signingBytes);
    this.enqueue({ transaction, hash, size });
    return { ok: true, hash };
  }

  private checkNonce(
    transaction: Transaction,
    hash: Hash,
  ): { ok: true } | (Admission & { ok: false }) {
    const pending = this.pendingNonce(transaction.signer);
    const check = this.deps.context.admission(transaction, pending);
    if (check.ok) {
      return { ok: true };
    }
    if (check.code !== 'bad_nonce') {
      return reject(ENGINE_REJECTIONS[check.code] ?? 'invalid_transaction', check.message, hash);
    }
    const expected = pending ?? this.deps.context.committedNonce(transaction.signer);
    // A committed transaction has spent its nonce, so only a stale nonce can be a replay;
    // asking storage only then keeps the common path free of a database lookup.
    if (transaction.nonce < expected && this.deps.context.isCommitted(hash)) {
      return reject('duplicate_transaction', 'this transaction is already committed', hash);
    }
    if (transaction.nonce < expected) {
      return reject('stale_nonce', `nonce ${transaction.nonce} is used; next is ${expected}`, hash);
    }
    return reject('nonce_gap', `nonce ${transaction.nonce} skips ahead; next is ${expected}`, hash);
  }

  private enqueue(entry: MempoolEntry): void {
    this.entries.set(entry.hash, entry);
    this.signatures.set(entry.transaction.signature, entry);
    const queue = this.signers.get(entry.transaction.signer);
    if (queue === undefined) {
      this.signers.set(entry.transaction.signer, { entries: [entry] });
    } else {
      queue.entries.push(entry);
    }
  }

  /**
   * Up to `max` transactions and `bytesMax` encoded bytes in arrival order, for a proposal;
   * nothing is removed. Expired transactions are dropped on the way (with the same signer's
   * later ones, which their gap would make fail).
   */
  peek(max: number, bytesMax: number): MempoolEntry[] {
    const height = this.deps.context.nextHeight();
    const out: MempoolEntry[] = [];
    let bytes = 0;
    const expired: MempoolEntry[] = [];
    for (const entry of this.entries.values()) {
      if (out.length >= max) {
        break;
      }
      const { expiresAt } = entry.transaction;
      if (expiresAt !== undefined && expiresAt < height) {
        expired.push(entry);
        continue;
      }
      if (bytes + entry.size > bytesMax) {
        break;
      }
      bytes += entry.size;
      out.push(entry);
    }
    if (expired.length > 0) {
      const dropped = new Set<string>();
      for (const entry of expired) {
        this.dropSignerFrom(entry.transaction.signer, entry.transaction.nonce, dropped);
      }
      return out.filter((entry) => !dropped.has(entry.hash));
    }
    return out;
  }

  /**
   * A block committed: its transactions leave, and every signer it touched keeps only the
   * entries at or above its new committed nonce (the others were spent by the block, or
   * replaced by a different transaction with the same nonce).
   */
  removeCommitted(transactions: readonly { transaction: Transaction; hash: string }[]): void {
    const touched = new Set<string>();
    for (const { transaction, hash } of transactions) {
      const entry = this.entries.get(hash);
      if (entry !== undefined) {
        this.entries.delete(hash);
        this.signatures.delete(entry.transaction.signature);
      }
      touched.add(transaction.signer);
    }
    for (const signer of touched) {
      const queue = this.signers.get(signer);
      if (queue === undefined) {
        continue;
      }
      const committed = this.deps.context.committedNonce(signer);
      const kept: MempoolEntry[] = [];
      for (const entry of queue.entries) {
        if (entry.transaction.nonce >= committed && this.entries.has(entry.hash)) {
          kept.push(entry);
        } else {
          this.forget(entry);
        }
      }
      this.setQueue(signer, kept);
    }
  }

  /** Drops a signer's entries with nonce ≥ `nonce`; their hashes are added to `dropped`. */
  private dropSignerFrom(signer: string, nonce: number, dropped: Set<string>): void {
    const queue = this.signers.get(signer);
    if (queue === undefined) {
      return;
    }
    const kept = queue.entries.filter((entry) => entry.transaction.nonce < nonce);
    for (const entry of queue.entries) {
      if (entry.transaction.nonce >= nonce) {
        dropped.add(entry.hash);
        this.forget(entry);
      }
    }
    this.setQueue(signer, kept);
  }

  private forget(entry: MempoolEntry): void {
    this.entries.delete(entry.hash);
    if (this.signatures.get(entry.transaction.signature) === entry) {
      this.signatures.delete(entry.transaction.signature);
    }
  }

  private setQueue(signer: string, entries: MempoolEntry[]): void {
    if (entries.length === 0) {
      this.signers.delete(signer);
    } else {
      this.signers.set(signer, { entries });
    }
  }
}

function reject(
  code: RejectionCode,
  message: string,
  hash?: Hash,
): { ok: false; code: RejectionCode; message: string; hash?: Hash } {
  return hash === undefined ? { ok: false, code, message } : { ok: false, code, message, hash };
}
