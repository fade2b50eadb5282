/**
 * A medchain node: the composition of storage, contract engine, state tree, mempool and
 * block execution, and the backend the HTTP API serves. Consensus decides which block
 * commits (src/node/consensus drives the engine); this class proposes, validates and
 * commits blocks on its behalf and notifies waiters and subscribers.
 */
import type {
  ContractEngine,
  ExecutedTransaction,
  StateReader,
  Validator,
} from '../../protocol/contracts/engine/types.js';
import { assert } from '../../protocol/core/assert.js';
import { fromHex } from '../../protocol/core/bytes.js';
import type { Crypto, Signer } from '../../protocol/core/crypto.js';
import { Fifo } from '../../protocol/core/fifo.js';
import type { Hash } from '../../protocol/core/hash.js';
import type { Block, BlockHeader, CommitCertificate } from '../../protocol/ledger/block.js';
import {
  acceptedTransaction,
  encodedSizeFromSigningBytes,
  type Transaction,
} from '../../protocol/ledger/transaction.js';
import type { ChainListener, SubmitResult } from '../api/backend.js';
import { problem } from '../api/problem.js';
import type { ChainStore, StoredTransaction } from '../storage/chain-store.js';
import {
  BLOCK_TRANSACTION_BYTES_MAX,
  BlockExecutor,
  type CandidateBlock,
  type ChainTip,
  checkBlockShape,
} from './block-executor.js';
import { publicKeyHex, signCommit } from './commit.js';
import type { Logger } from './logger.js';
import { Mempool } from './mempool.js';
import { StateCache } from './state-cache.js';
import { latestStateSource, type NodeStateTree } from './state-tree-adapter.js';
import {
  PREPARED_REFUSED,
  PREPARED_VALID,
  type PreparedBatch,
  type PreparedEntry,
  prepareTransaction,
  type Refusal,
} from './transaction-preparation.js';
import type { VerifierPool } from './verifier-pool.js';

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

const CLIENT: TransactionOrigin = { kind: 'client' };

interface WaitingAdmission {
  /** Undefined while a verifier thread prepares it (a client's batch). */
  entry: PreparedEntry | undefined;
  origin: TransactionOrigin;
  valid: boolean | undefined;
  /** Set instead of `valid` when it was refused before admission. */
  refused?: SubmitResult;
  resolve: (result: SubmitResult) => void;
}

export interface NodeOptions {
  chainId: string;
  /** Most transactions in one block. */
  blockTransactionsMax: number;
  mempoolCapacity: number;
}

/** Who handed us a transaction: a client of our API, or a peer that gossiped it. */
export type TransactionOrigin = { kind: 'client' } | { kind: 'peer'; peer: string };

export type AdmittedListener = (
  transaction: Transaction,
  size: number,
  origin: TransactionOrigin,
) => void;

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
  private readonly admissions = new Fifo<WaitingAdmission>();
  private readonly listeners = new Set<ChainListener>();
  private readonly waiters = new Map<string, Array<(found: StoredTransaction) => void>>();
  private readonly proposer: string;
  private readonly executor: BlockExecutor;
  /** Told of every admitted transaction; the consensus driver gossips the clients' ones. */
  onAdmitted: AdmittedListener | undefined;

  constructor(
    readonly options: NodeOptions,
    readonly deps: NodeDependencies,
  ) {
    const { store, engine, crypto } = deps;
    assert(store.latestHeight() >= 0, 'node: the store must hold a genesis');
    this.cache = new StateCache(latestStateSource(crypto, store, deps.tree));
    this.reader = this.cache;
    this.proposer = publicKeyHex(deps.validator);
    this.executor = new BlockExecutor({
      crypto,
      engine,
      reader: this.reader,
      tree: deps.tree,
      chainId: options.chainId,
    });
    this.mempool = new Mempool(
      { capacity: options.mempoolCapacity },
      {
        crypto,
        context: {
          chainId: options.chainId,
          nextHeight: () => store.latestHeight() + 1,
          isCommitted: (hash) => store.hasTransaction(hash),
          committedNonce: (signer) => this.committedNonce(signer),
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
  submit(value: unknown, origin: TransactionOrigin = CLIENT): SubmitResult {
    const prepared = this.prepare(value);
    return prepared.ok ? this.admit(prepared.entry, origin) : prepared;
  }

  /**
   * Admits with the signature checked by the verifier pool when there is one. Results are
   * applied strictly in arrival order, so a signer's consecutive nonces stay in order even
   * when their verifications finish out of order.
   */
  submitAsync(value: unknown, origin: TransactionOrigin = CLIENT): Promise<SubmitResult> {
    return new Promise((resolve) => this.submitThen(value, origin, resolve));
  }

  /**
   * submitAsync without a promise per transaction, for batches and gossip: `done` gets the
   * result, at once when the transaction is refused before its signature is checked.
   */
  submitThen(
    value: unknown,
    origin: TransactionOrigin,
    done: (result: SubmitResult) => void,
  ): void {
    const verifier = this.deps.verifier;
    const prepared = this.prepare(value);
    if (!prepared.ok || verifier === undefined) {
      done(prepared.ok ? this.admit(prepared.entry, origin) : prepared);
      return;
    }
    const { entry } = prepared;
    // Gossip brings most transactions twice (from the client's node, then in a block);
    // refusing known ones before verification keeps signature checks to one each.
    const early = this.earlyRejection(entry, origin);
    if (early !== undefined) {
      done(early);
      return;
    }
    const waiting: WaitingAdmission = { entry, origin, valid: undefined, resolve: done };
    this.admissions.push(waiting);
    this.verifyWaiting(verifier, waiting, entry);
  }

  /** Checks a queued transaction's signature, then admits whatever is ready in order. */
  private verifyWaiting(
    verifier: VerifierPool,
    waiting: WaitingAdmission,
    entry: PreparedEntry,
  ): void {
    const { transaction, signingBytes: message } = entry;
    const check = {
      signatureHex: transaction.signature,
      publicKeyHex: transaction.signer,
      message,
    };
    verifier.verifyThen(check, (valid) => {
      waiting.valid = valid;
      this.drainAdmissions();
    });
  }

  /**
   * Admits client transactions in order; one promise for the whole batch. `text`, when
   * given, is the JSON text `values` was parsed from, as `{ "transactions": values }`:
   * with verifier threads, one of them decodes, hashes and verifies the batch from it.
   */
  submitMany(values: unknown[], text?: string): Promise<SubmitResult[]> {
    return new Promise((resolve) => {
      const results = new Array<SubmitResult>(values.length);
      let waiting = values.length;
      if (waiting === 0) {
        resolve(results);
        return;
      }
      const done = (index: number) => (result: SubmitResult) => {
        results[index] = result;
        if (--waiting === 0) {
          resolve(results);
        }
      };
      const verifier = this.deps.verifier;
      if (text !== undefined && verifier !== undefined && verifier.threads > 0) {
        this.submitPrepared(verifier, values, text, done);
        return;
      }
      for (let index = 0; index < values.length; index++) {
        this.submitThen(values[index], CLIENT, done(index));
      }
    });
  }

  /**
   * submitMany with the batch prepared on a verifier thread. Its transactions take their
   * places in the admission queue at once, as submitThen's do, and are admitted in that
   * order once the thread answers. As many as there is room for go to the thread; the
   * rest are refused as a full mempool, before any work, as submitThen refuses them.
   */
  private submitPrepared(
    verifier: VerifierPool,
    values: unknown[],
    text: string,
    done: (index: number) => (result: SubmitResult) => void,
  ): void {
    const room = Math.max(0, this.mempool.capacity - this.mempool.size - this.admissions.length);
    const count = Math.min(room, values.length);
    const waiting = new Array<WaitingAdmission>(count);
    for (let index = 0; index < count; index++) {
      waiting[index] = { entry: undefined, origin: CLIENT, valid: undefined, resolve: done(index) };
      this.admissions.push(waiting[index]!);
    }
    for (let index = count; index < values.length; index++) {
      done(index)(mempoolFull());
    }
    if (count === 0) {
      return;
    }
    verifier.prepareBatch(text, count, (batch) => {
      if (batch === undefined || batch.statuses.length !== count) {
        this.prepareHere(verifier, values, waiting);
        return;
      }
      this.takePrepared(batch, values, waiting);
      this.drainAdmissions();
    });
  }

  private takePrepared(batch: PreparedBatch, values: unknown[], waiting: WaitingAdmission[]): void {
    const { statuses, hashes, signing, ends, refusals } = batch;
    for (const [index, refusal] of refusals) {
      waiting[index]!.refused = refused(refusal);
    }
    let start = 0;
    for (let index = 0; index < waiting.length; index++) {
      const end = ends[index]!;
      const status = statuses[index]!;
      if (status !== PREPARED_REFUSED) {
        const transaction = acceptedTransaction(values[index] as Record<string, unknown>);
        const signingBytes = new Uint8Array(signing, start, end - start);
        waiting[index]!.entry = { transaction, hash: hashes[index]! as Hash, signingBytes };
        waiting[index]!.valid = status === PREPARED_VALID;
      }
      start = end;
    }
  }

  /** When the thread could not prepare a batch: prepared here, verified one by one. */
  private prepareHere(
    verifier: VerifierPool,
    values: unknown[],
    waiting: WaitingAdmission[],
  ): void {
    for (let index = 0; index < waiting.length; index++) {
      const item = waiting[index]!;
      const prepared = prepareTransaction(values[index], this.deps.crypto.sha256);
      if (!prepared.ok) {
        item.refused = refused(prepared.refusal);
        continue;
      }
      item.entry = prepared.entry;
      this.verifyWaiting(verifier, item, prepared.entry);
    }
    this.drainAdmissions();
  }

  private earlyRejection(
    entry: PreparedEntry,
    origin: TransactionOrigin,
  ): SubmitResult | undefined {
    if (this.mempool.has(entry.hash)) {
      const detail = 'this transaction is already pending';
      return { ok: false, problem: problem('duplicate_transaction', detail) };
    }
    // Under overload the mempool fills and every later transaction would be refused after
    // its signature check: refused before it, a flood costs no verifier time, and the
    // transactions waiting for the verifier never outnumber the room left for them.
    if (this.mempool.size + this.admissions.length >= this.mempool.capacity) {
      return mempoolFull();
    }
    if (origin.kind === 'peer') {
      const { signer, nonce } = entry.transaction;
      if (nonce < this.committedNonce(signer)) {
        return { ok: false, problem: problem('stale_nonce', `nonce ${nonce} is used`) };
      }
    }
    return undefined;
  }

  private committedNonce(signer: string): number {
    const answer = this.deps.engine.query(this.reader, 'engine', 'nonce', { signer });
    return 'error' in answer ? 0 : Number(answer.value ?? 0);
  }

  private drainAdmissions(): void {
    for (
      let next = this.admissions.peek();
      next !== undefined && (next.refused !== undefined || next.valid !== undefined);
      next = this.admissions.peek()
    ) {
      this.admissions.shift();
      next.resolve(next.refused ?? this.admit(next.entry!, next.origin, next.valid));
    }
  }

  private prepare(
    value: unknown,
  ): { ok: true; entry: PreparedEntry } | (SubmitResult & { ok: false }) {
    const prepared = prepareTransaction(value, this.deps.crypto.sha256);
    return prepared.ok ? prepared : refused(prepared.refusal);
  }

  private admit(
    entry: PreparedEntry,
    origin: TransactionOrigin,
    signatureValid?: boolean,
  ): SubmitResult {
    const admission = this.mempool.add(entry.transaction, entry, signatureValid);
    if (!admission.ok) {
      const field = REJECTION_FIELDS[admission.code];
      return { ok: false, problem: problem(admission.code, admission.message, field) };
    }
    this.onAdmitted?.(entry.transaction, encodedSizeFromSigningBytes(entry.signingBytes), origin);
    return { ok: true, hash: admission.hash };
  }

  /** The committed chain's last block, where the next one attaches. */
  tip(): ChainTip {
    const { store } = this.deps;
    const height = store.latestHeight();
    const last = height >= 1 ? store.block(height) : undefined;
    const hash = last?.hash ?? store.genesis()!.hash;
    return { height, hash, time: last?.header.time ?? 0 };
  }

  /** Public keys of the validators that decide block `height` (the next one or the current). */
  validatorsFor(height: number): Validator[] {
    return this.deps.engine.validators(this.reader, height);
  }

  /**
   * D4: a block for the next height from the mempool (arrival order, bounded by count and
   * bytes), executed on committed state. Nothing leaves the mempool until a block commits.
   */
  proposeBlock(): { block: Block; hash: string } {
    const tip = this.tip();
    const time = Math.max(this.deps.clock.nowMs(), tip.time);
    const entries = this.mempool.peek(
      this.options.blockTransactionsMax,
      BLOCK_TRANSACTION_BYTES_MAX,
    );
    const candidate = this.executor.build(tip, { time, proposer: this.proposer, entries });
    const transactions = entries.map((entry) => entry.transaction);
    return { block: { header: candidate.built.header, transactions }, hash: candidate.hash };
  }

  /**
   * D5: is `value` a valid next block? Decodes every transaction strictly, verifies the
   * signatures this node has not already verified (mempool entries are reused by
   * signature), re-executes on committed state and compares the whole header. Resolves to
   * undefined when valid, else the reason.
   */
  async validateBlock(height: number, value: unknown): Promise<string | undefined> {
    const parsed = this.parseBlock(height, value);
    if (typeof parsed === 'string') {
      return parsed;
    }
    const { header, entries, unverified } = parsed;
    if (unverified.length > 0 && !(await this.verifyAll(unverified))) {
      return 'a transaction signature does not verify';
    }
    if (this.deps.store.latestHeight() !== height - 1) {
      return 'the chain moved on while the block was checked';
    }
    const candidate = this.executor.rebuild(this.tip(), header, entries);
    return typeof candidate === 'string' ? candidate : undefined;
  }

  /**
   * D8: a block whose certificate the caller checked. Its signatures are not re-verified
   * (more than two thirds of the power validated it), but it is executed and its header
   * compared, since the transaction list is not covered by the certified hash.
   */
  prepareCertified(height: number, value: unknown): string | undefined {
    const parsed = this.parseBlock(height, value);
    if (typeof parsed === 'string') {
      return parsed;
    }
    const candidate = this.executor.rebuild(this.tip(), parsed.header, parsed.entries);
    return typeof candidate === 'string' ? candidate : undefined;
  }

  private parseBlock(
    height: number,
    value: unknown,
  ): { header: BlockHeader; entries: ExecutedTransaction[]; unverified: PreparedEntry[] } | string {
    const tip = this.tip();
    if (tip.height !== height - 1) {
      return `the block is for height ${height}, the chain is at ${tip.height}`;
    }
    const validators = this.validatorsFor(height).map((validator) => validator.publicKey);
    const shape = checkBlockShape(value, {
      tip,
      chainId: this.options.chainId,
      nowMs: this.deps.clock.nowMs(),
      validators,
    });
    if (typeof shape === 'string') {
      return shape;
    }
    const entries: ExecutedTransaction[] = [];
    const unverified: PreparedEntry[] = [];
    const seen = new Set<string>();
    for (const raw of shape.transactions) {
      let entry: ExecutedTransaction | undefined = this.knownEntry(raw);
      if (entry === undefined) {
        const prepared = this.prepare(raw);
        if (!prepared.ok) {
          return `a transaction is invalid: ${prepared.problem.detail}`;
        }
        entry = prepared.entry;
        unverified.push(prepared.entry);
      }
      if (seen.has(entry.hash)) {
        return 'a transaction appears twice';
      }
      seen.add(entry.hash);
      entries.push({ transaction: entry.transaction, hash: entry.hash });
    }
    return { header: shape.header, entries, unverified };
  }

  /** A proposed transaction this node already admitted, found without re-encoding it. */
  private knownEntry(raw: unknown): ExecutedTransaction | undefined {
    if (typeof raw !== 'object' || raw === null) {
      return undefined;
    }
    const { signature, signer } = raw as { signature?: unknown; signer?: unknown };
    if (typeof signature !== 'string' || typeof signer !== 'string') {
      return undefined;
    }
    return this.mempool.bySignature(signature, signer);
  }

  private async verifyAll(entries: PreparedEntry[]): Promise<boolean> {
    const checks = entries.map(({ transaction, signingBytes: message }) => ({
      signatureHex: transaction.signature,
      publicKeyHex: transaction.signer,
      message,
    }));
    const verifier = this.deps.verifier;
    if (verifier === undefined) {
      const { crypto } = this.deps;
      return checks.every((check) =>
        crypto.verifyEd25519(
          fromHex(check.signatureHex),
          check.message,
          fromHex(check.publicKeyHex),
        ),
      );
    }
    const results = await Promise.all(checks.map((check) => verifier.verify(check)));
    return results.every((valid) => valid);
  }

  /**
   * D6: stores a decided block with its certificate in one write batch, using the result
   * of its earlier execution. A block never executed here (restored from the write-ahead
   * log) is executed now; a mismatch then means this node's state is wrong, so it stops.
   */
  commitDecided(
    height: number,
    value: unknown,
    hash: string,
    certificate: CommitCertificate,
  ): CommittedBlock {
    let candidate = this.executor.candidate(hash);
    if (candidate === undefined) {
      const reason = this.prepareCertified(height, value);
      assert(reason === undefined, `node: a decided block does not execute here: ${reason}`);
      candidate = this.executor.candidate(hash);
    }
    assert(candidate !== undefined && candidate.height === height, 'node: decided block built');
    return this.commitCandidate(candidate, certificate);
  }

  private commitCandidate(
    candidate: CandidateBlock,
    certificate: CommitCertificate,
  ): CommittedBlock {
    const { store, tree } = this.deps;
    const { height, hash, built } = candidate;
    const entries = candidate.entries.map((entry, index) => ({
      hash: entry.hash as string,
      transaction: entry.transaction,
      receipt: built.receipts[index]!,
    }));
    store.commitBlock({
      block: { height, hash, header: built.header, commit: certificate },
      transactions: entries,
      treeNodes: built.treeNodes,
    });
    this.executor.clear();
    this.cache.apply(built.writes, built.treeNodes);
    tree.persisted(built.treeNodes);
    this.mempool.removeCommitted(candidate.entries);
    const time = built.header.time;
    this.notify(height, hash, time, entries);
    return { height, hash, transactionCount: entries.length, time };
  }

  /**
   * One validator deciding alone: builds a block from the mempool, signs its certificate
   * and commits it; undefined when the mempool is empty. For tests and in-process nodes.
   */
  produceBlock(): CommittedBlock | undefined {
    if (this.mempool.size === 0) {
      return undefined;
    }
    const { hash } = this.proposeBlock();
    const candidate = this.executor.candidate(hash)!;
    const commit = signCommit(this.deps.validator, {
      chainId: this.options.chainId,
      height: candidate.height,
      round: 0,
      blockHash: hash,
    });
    return this.commitCandidate(candidate, commit);
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

/** Refused before any work: the mempool and the transactions waiting for it fill its room. */
function mempoolFull(): SubmitResult & { ok: false } {
  return { ok: false, problem: problem('mempool_full', 'the mempool is full; retry later') };
}

function refused(refusal: Refusal): SubmitResult & { ok: false } {
  return { ok: false, problem: problem(refusal.code, refusal.detail, refusal.field) };
}
