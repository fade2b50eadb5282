/**
 * A medchain node: the composition of storage, contract engine, state tree, mempool and
 * block production, and the backend the HTTP API serves. The chain logic it drives is the
 * protocol's; this class owns I/O, timing and notification.
 */
import type { ContractEngine, StateReader } from '../../protocol/contracts/engine/types.js';
import { assert } from '../../protocol/core/assert.js';
import { fromHex, toHex } from '../../protocol/core/bytes.js';
import type { Crypto, Signer } from '../../protocol/core/crypto.js';
import type { Hash } from '../../protocol/core/hash.js';
import { blockHash } from '../../protocol/ledger/block.js';
import { buildBlock } from '../../protocol/ledger/build-block.js';
import {
  decodeTransaction,
  encodedSizeFromSigningBytes,
  signingBytes,
  TRANSACTION_LIMITS,
  type Transaction,
} from '../../protocol/ledger/transaction.js';
import type { ChainListener, SubmitResult } from '../api/backend.js';
import { problem } from '../api/problem.js';
import type { ChainStore, StoredTransaction } from '../storage/chain-store.js';
import { publicKeyHex, signCommit } from './commit.js';
import type { Logger } from './logger.js';
import { Mempool, type PreparedTransaction } from './mempool.js';
import { StateCache } from './state-cache.js';
import type { VerifierPool } from './verifier-pool.js';
import type { NodeStateTree } from './state-tree-adapter.js';

const REJECTION_FIELDS: Partial<Record<string, string>> = {
  bad_signature: 'signature',
  invalid_transaction: 'args',
  stale_nonce: 'nonce',
  nonce_gap: 'nonce',
  wrong_chain: 'chainId',
  unknown_module: 'module',
  unknown_action: 'action',
  expired: 'expiresAt',
};

interface PreparedEntry extends PreparedTransaction {
  transaction: Transaction;
}

interface WaitingAdmission {
  entry: PreparedEntry;
  valid: boolean | undefined;
  resolve: (result: SubmitResult) => void;
}

export interface NodeOptions {
  chainId: string;
  /** Most transactions in one block. */
  blockTransactionsMax: number;
  mempoolCapacity: number;
}

export interface NodeDependencies {
  store: ChainStore;
  crypto: Crypto;
  engine: ContractEngine;
  tree: NodeStateTree;
  validator: Signer;
  clock: { nowMs(): number };
  logger: Logger;
  /** Verifies signatures on worker threads; without it admission verifies inline. */
  verifier?: VerifierPool;
}

export interface CommittedBlock {
  height: number;
  hash: string;
  transactionCount: number;
  time: number;
}

export class MedchainNode {
  readonly mempool: Mempool;
  readonly reader: StateReader;
  private readonly cache: StateCache;
  private readonly admissions: WaitingAdmission[] = [];
  private readonly listeners = new Set<ChainListener>();
  private readonly waiters = new Map<string, Array<(found: StoredTransaction) => void>>();
  private readonly proposer: string;

  constructor(
    readonly options: NodeOptions,
    readonly deps: NodeDependencies,
  ) {
    const { store, engine, crypto } = deps;
    assert(store.latestHeight() >= 0, 'node: the store must hold a genesis');
    this.cache = new StateCache((key) => store.stateValue(key));
    this.reader = this.cache;
    this.proposer = publicKeyHex(deps.validator);
    this.mempool = new Mempool(
      { capacity: options.mempoolCapacity },
      {
        crypto,
        context: {
          chainId: options.chainId,
          nextHeight: () => store.latestHeight() + 1,
          isCommitted: (hash) => store.hasTransaction(hash),
          committedNonce: (signer) => {
            const answer = engine.query(this.reader, 'engine', 'nonce', { signer });
            return 'error' in answer ? 0 : Number(answer.value ?? 0);
          },
          admission: (transaction, pendingNonce) => {
            const check = engine.checkAdmission(this.reader, transaction, pendingNonce);
            return check.ok ? { ok: true } : check;
          },
        },
      },
    );
  }

  get height(): number {
    return this.deps.store.latestHeight();
  }

  /** Decodes and admits one untrusted JSON value, verifying its signature inline. */
  submit(value: unknown): SubmitResult {
    const prepared = this.prepare(value);
    return prepared.ok ? this.admit(prepared.entry) : prepared;
  }

  /**
   * Admits with the signature checked by the verifier pool when there is one. Results are
   * applied strictly in arrival order, so a signer's consecutive nonces stay in order even
   * when their verifications finish out of order.
   */
  submitAsync(value: unknown): Promise<SubmitResult> {
    const verifier = this.deps.verifier;
    const prepared = this.prepare(value);
    if (!prepared.ok || verifier === undefined) {
      return Promise.resolve(prepared.ok ? this.admit(prepared.entry) : prepared);
    }
    const { entry } = prepared;
    return new Promise((resolve) => {
      const waiting: WaitingAdmission = { entry, valid: undefined, resolve };
      this.admissions.push(waiting);
      const { transaction, signingBytes: message } = entry;
      verifier
        .verify({
          signature: fromHex(transaction.signature),
          publicKey: fromHex(transaction.signer),
          message,
        })
        .then((valid) => {
          waiting.valid = valid;
          this.drainAdmissions();
        });
    });
  }

  private drainAdmissions(): void {
    while (this.admissions.length > 0 && this.admissions[0]!.valid !== undefined) {
      const next = this.admissions.shift()!;
      next.resolve(this.admit(next.entry, next.valid));
    }
  }

  private prepare(
    value: unknown,
  ): { ok: true; entry: PreparedEntry } | (SubmitResult & { ok: false }) {
    const decoded = decodeTransaction(value);
    if (!decoded.ok) {
      const detail = decoded.field ? `${decoded.field}: ${decoded.message}` : decoded.message;
      const field = decoded.field || undefined;
      return { ok: false, problem: problem('invalid_transaction', detail, field) };
    }
    const bytes = signingBytes(decoded.value);
    const size = encodedSizeFromSigningBytes(bytes);
    if (size > TRANSACTION_LIMITS.sizeBytesMax) {
      const limit = TRANSACTION_LIMITS.sizeBytesMax;
      const detail = `transaction is ${size} bytes; the limit is ${limit}`;
      return { ok: false, problem: problem('payload_too_large', detail) };
    }
    const hash = toHex(this.deps.crypto.sha256(bytes)) as Hash;
    return { ok: true, entry: { transaction: decoded.value, hash, signingBytes: bytes } };
  }

  private admit(entry: PreparedEntry, signatureValid?: boolean): SubmitResult {
    const admission = this.mempool.add(entry.transaction, entry, signatureValid);
    if (!admission.ok) {
      const field = REJECTION_FIELDS[admission.code];
      return { ok: false, problem: problem(admission.code, admission.message, field) };
    }
    return { ok: true, hash: admission.hash };
  }

  /** Builds, signs and commits one block from the mempool; undefined when it is empty. */
  produceBlock(): CommittedBlock | undefined {
    if (this.mempool.size === 0) {
      return undefined;
    }
    const { store, crypto, engine, tree, clock } = this.deps;
    const height = store.latestHeight() + 1;
    const previous = height === 1 ? undefined : store.block(height - 1);
    const previousHash = previous?.hash ?? store.genesis()!.hash;
    const time = Math.max(clock.nowMs(), previous?.header.time ?? 0);
    const transactions = this.mempool.take(this.options.blockTransactionsMax);
    const built = buildBlock(
      { crypto, engine, reader: this.reader, commitment: tree },
      {
        chainId: this.options.chainId,
        height,
        time,
        proposer: this.proposer,
        previousHash,
        transactions,
      },
    );
    const hash = blockHash(crypto, built.header);
    const commit = signCommit(this.deps.validator, {
      chainId: this.options.chainId,
      height,
      round: 0,
      blockHash: hash,
    });
    const entries = transactions.map((entry, index) => ({
      hash: entry.hash as string,
      transaction: entry.transaction,
      receipt: built.receipts[index]!,
    }));
    store.commitBlock({
      block: { height, hash, header: built.header, commit },
      transactions: entries,
      state: built.writes,
      treeNodes: built.treeNodes,
    });
    this.cache.apply(built.writes);
    tree.persisted(built.treeNodes);
    this.notify(height, hash, time, entries);
    return { height, hash, transactionCount: entries.length, time };
  }

  private notify(
    height: number,
    hash: string,
    time: number,
    entries: {
      hash: string;
      transaction: StoredTransaction['transaction'];
      receipt: StoredTransaction['receipt'];
    }[],
  ): void {
    for (const listener of this.listeners) {
      listener.block({ height, hash, transactionCount: entries.length, time });
    }
    for (let index = 0; index < entries.length; index++) {
      const entry = entries[index]!;
      const waiting = this.waiters.get(entry.hash);
      if (waiting !== undefined) {
        this.waiters.delete(entry.hash);
        for (const resolve of waiting) {
          resolve({ ...entry, height, index });
        }
      }
      if (this.listeners.size > 0) {
        const { code, name, events } = entry.receipt;
        for (const listener of this.listeners) {
          listener.transaction({ hash: entry.hash, height, index, code, name, events });
        }
      }
    }
  }

  waitForCommit(hash: Hash | string, timeoutMs: number): Promise<StoredTransaction | undefined> {
    const committed = this.deps.store.transaction(hash);
    if (committed !== undefined) {
      return Promise.resolve(committed);
    }
    return new Promise((resolve) => {
      const list = this.waiters.get(hash) ?? [];
      const timer = setTimeout(() => {
        const current = this.waiters.get(hash);
        const remaining = current?.filter((entry) => entry !== onCommit) ?? [];
        if (remaining.length === 0) {
          this.waiters.delete(hash);
        } else {
          this.waiters.set(hash, remaining);
        }
        resolve(undefined);
      }, timeoutMs);
      const onCommit = (found: StoredTransaction) => {
        clearTimeout(timer);
        resolve(found);
      };
      list.push(onCommit);
      this.waiters.set(hash, list);
    });
  }

  subscribe(listener: ChainListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
