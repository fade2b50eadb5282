/**
 * The contract engine's boundary: what the node runtime calls to execute blocks and answer
 * queries. Everything here is synchronous and deterministic: the same state and the same
 * ordered transactions give the same receipts and the same writes on every validator.
 */
import type { Bytes } from '../../core/bytes.js';
import type { JsonValue } from '../../core/canonical.js';
import type { Crypto } from '../../core/crypto.js';
import type { Hash } from '../../core/hash.js';
import type { Receipt } from '../../ledger/block.js';
import type { Transaction } from '../../ledger/transaction.js';

/** Read access to committed world state (the node backs it with SQLite or memory). */
export interface StateReader {
  /** Canonical JSON bytes of the value at `key`, or undefined when the key is absent. */
  get(key: string): Bytes | undefined;
  /**
   * The same value decoded and deep-frozen, when the reader keeps decoded copies of hot
   * keys (signers' key records, organizations, nonces); undefined means "decode get()".
   */
  decoded?(key: string): JsonValue | undefined;
}

/** A block's worth of state changes: a value's bytes, or null for a deletion. */
export type WriteSet = Map<string, Bytes | null>;

export interface BlockContext {
  chainId: string;
  height: number;
  /** Consensus time of the block, milliseconds since the Unix epoch. */
  time: number;
  proposer: string;
}

export interface ExecutedTransaction {
  transaction: Transaction;
  /** The transaction hash, computed once at admission and reused. */
  hash: Hash;
}

export interface BlockExecution {
  receipts: Receipt[];
  writes: WriteSet;
}

/** Why a transaction cannot enter the mempool right now (state-dependent checks). */
export type AdmissionCheck =
  | { ok: true; nextNonce: number }
  | { ok: false; code: string; message: string };

export interface Validator {
  publicKey: string;
  organization: string;
  power: number;
}

export interface QueryResult {
  /** The state key the answer was read from, so the caller can attach a proof. */
  key: string;
  value: JsonValue | null;
}

export interface ContractEngine {
  /** State writes that genesis makes at height 0. */
  genesisWrites(genesis: unknown): WriteSet;
  /**
   * Checks against committed state that a signed, well-formed transaction could execute:
   * the signer is a known active key and the nonce is not stale. `pendingNonce` is the
   * next nonce after transactions of this signer already waiting in the mempool.
   */
  checkAdmission(
    reader: StateReader,
    transaction: Transaction,
    pendingNonce?: number,
  ): AdmissionCheck;
  executeBlock(
    reader: StateReader,
    context: BlockContext,
    transactions: readonly ExecutedTransaction[],
  ): BlockExecution;
  /**
   * The validator set that decides block `height`, read from governance state. Without a
   * height: the set for the block after the reader's last one. A change passed at height h
   * takes effect at h + 1; state keeps the set in force before the latest change, so a
   * block certified just before a change can be checked after it executes. Older sets
   * come from block history.
   */
  validators(reader: StateReader, height?: number): Validator[];
  /** Answers a module query such as ("identity", "organization", { id }). */
  query(
    reader: StateReader,
    module: string,
    name: string,
    params: Record<string, string>,
  ):
    | QueryResult
    | { error: 'unknown_module' | 'unknown_query' | 'invalid_params'; message: string };
  /** Names of modules, actions and queries, for the API's discovery and OpenAPI document. */
  describe(): ModuleDescription[];
}

export interface ModuleDescription {
  name: string;
  actions: string[];
  queries: { name: string; params: string[] }[];
}

export type EngineFactory = (crypto: Crypto) => ContractEngine;
