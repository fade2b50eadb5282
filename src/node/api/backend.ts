/**
 * What the HTTP API needs from a node. The runtime implements it; API tests can use a
 * real runtime on memory storage. Keeping this narrow keeps the API a thin translation.
 */
import type { Validator } from '../../protocol/contracts/engine/types.js';
import type { JsonValue } from '../../protocol/core/canonical.js';
import type { Hash } from '../../protocol/core/hash.js';
import type { BlockHeader, CommitCertificate, Receipt } from '../../protocol/ledger/block.js';
import type { Transaction } from '../../protocol/ledger/transaction.js';
import type { TransactionProof } from '../../sdk/api-types.js';
import type { StoredTransaction } from '../storage/chain-store.js';
import type { Problem } from './problem.js';

export interface NodeStatus {
  chainId: string;
  genesisHash: string;
  height: number;
  lastBlockHash: string;
  lastBlockTime: number;
  validators: Validator[];
  mempool: { size: number; capacity: number };
  version: string;
}

/** Wire types shared with clients are declared once, in the SDK, so the two cannot drift. */
export type { MerklePath as MerklePathProof, TransactionProof } from '../../sdk/api-types.js';

export interface BlockView {
  hash: string;
  header: BlockHeader;
  transactions: Transaction[];
  receipts: Receipt[];
  commit: CommitCertificate;
}

export interface StateAnswer {
  height: number;
  key: string;
  value: JsonValue | null;
  proof: unknown;
  header: BlockHeader | null;
  blockHash: string;
  commit: CommitCertificate | null;
}

export type SubmitResult = { ok: true; hash: Hash } | { ok: false; problem: Problem };

export interface BlockEvent {
  height: number;
  hash: string;
  transactionCount: number;
  time: number;
}

export interface TransactionEvent {
  hash: string;
  height: number;
  index: number;
  code: number;
  name: string;
  events: Receipt['events'];
}

export interface ChainListener {
  block(event: BlockEvent): void;
  transaction(event: TransactionEvent): void;
}

export interface ApiBackend {
  status(): NodeStatus;
  /** Admits an untrusted, already JSON-parsed value as a transaction. */
  submit(value: unknown): Promise<SubmitResult>;
  /**
   * Admits a batch in order. `text`, when given, is the request body `values` was parsed
   * from, `{ "transactions": values }`: a node may prepare the batch from it off its main
   * thread.
   */
  submitMany(values: unknown[], text?: string): Promise<SubmitResult[]>;
  waitForCommit(hash: string, timeoutMs: number): Promise<StoredTransaction | undefined>;
  transaction(hash: string): StoredTransaction | 'pending' | undefined;
  transactionProof(hash: string): TransactionProof | undefined;
  block(height: number | 'latest'): BlockView | undefined;
  account(publicKey: string): { nonce: number; pendingNonce: number; key: JsonValue | null };
  query(module: string, name: string, params: Record<string, string>): StateAnswer | Problem;
  modules(): { name: string; actions: string[]; queries: { name: string; params: string[] }[] }[];
  /** Replays committed blocks from `fromHeight` (if given), then follows new ones. */
  subscribe(listener: ChainListener, fromHeight?: number): () => void;
}
