/**
 * The mempool: admits signed transactions after checks that need node context (chain id,
 * expiry, duplicates, nonce order, known signer, signature), holds them bounded, and hands
 * them to block production in arrival order, which keeps each signer's nonces in order.
 * Every rejection carries a stable code that the API maps to a status.
 */
import type { ExecutedTransaction } from '../../protocol/contracts/engine/types.js';
import type { Crypto } from '../../protocol/core/crypto.js';
import type { Hash } from '../../protocol/core/hash.js';
import { type Bytes, fromHex } from '../../protocol/core/bytes.js';
import type { Transaction } from '../../protocol/ledger/transaction.js';

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
  /** Skip signature verification because the caller already verified (a worker pool). */
  signaturesVerified?: boolean;
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

interface SignerQueue {
  nextNonce: number;
  count: number;
}

export class Mempool {
  private readonly queue: ExecutedTransaction[] = [];
  private head = 0;
  private readonly hashes = new Set<string>();
  private readonly signers = new Map<string, SignerQueue>();

  constructor(
    private readonly options: MempoolOptions,
    private readonly deps: { crypto: Crypto; context: MempoolContext },
  ) {}

  get size(): number {
    return this.queue.length - this.head;
  }

  get capacity(): number {
    return this.options.capacity;
  }

  has(hash: string): boolean {
    return this.hashes.has(hash);
  }

  /** Next nonce for a signer counting transactions that wait here. */
  pendingNonce(signer: string): number | undefined {
    return this.signers.get(signer)?.nextNonce;
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
    if (this.hashes.has(hash)) {
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
    this.enqueue(transaction, hash, nonceCheck.nextNonce);
    return { ok: true, hash };
  }

  private checkNonce(
    transaction: Transaction,
    hash: Hash,
  ): { ok: true; nextNonce: number } | (Admission & { ok: false }) {
    const pending = this.signers.get(transaction.signer)?.nextNonce;
    const check = this.deps.context.admission(transaction, pending);
    if (check.ok) {
      return { ok: true, nextNonce: transaction.nonce };
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

  private enqueue(transaction: Transaction, hash: Hash, nonce: number): void {
    this.queue.push({ transaction, hash });
    this.hashes.add(hash);
    const signer = this.signers.get(transaction.signer);
    if (signer === undefined) {
      this.signers.set(transaction.signer, { nextNonce: nonce + 1, count: 1 });
    } else {
      signer.nextNonce = nonce + 1;
      signer.count += 1;
    }
  }

  /** Removes and returns up to `max` transactions in arrival order, for the next block. */
  take(max: number): ExecutedTransaction[] {
    const end = Math.min(this.queue.length, this.head + max);
    const taken = this.queue.slice(this.head, end);
    this.head = end;
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    for (const entry of taken) {
      this.hashes.delete(entry.hash);
      const signer = this.signers.get(entry.transaction.signer);
      if (signer !== undefined && --signer.count === 0) {
        this.signers.delete(entry.transaction.signer);
      }
    }
    return taken;
  }
}

function reject(
  code: RejectionCode,
  message: string,
  hash?: Hash,
): { ok: false; code: RejectionCode; message: string; hash?: Hash } {
  return hash === undefined ? { ok: false, code, message } : { ok: false, code, message, hash };
}
