/**
 * Response shapes of the HTTP API, as docs/api.md fixes them. The SDK does not re-validate
 * every answer field by field: the node is trusted for shape, and what must not be trusted
 * (inclusion, state values) is checked with proofs instead (see verify.ts).
 */
import type { JsonValue } from '../protocol/core/canonical.js';
import type {
  BlockHeader,
  ChainEvent,
  CommitCertificate,
  Receipt,
} from '../protocol/ledger/block.js';
import type { Transaction } from '../protocol/ledger/transaction.js';
import type { Problem } from './errors.js';

export interface ValidatorInfo {
  publicKey: string;
  organization: string;
  power: number;
}

export interface NodeStatus {
  chainId: string;
  genesisHash: string;
  height: number;
  lastBlockHash: string;
  lastBlockTime: number;
  validators: ValidatorInfo[];
  mempool: { size: number; capacity: number };
  version: string;
}

export interface PendingSubmission {
  hash: string;
  status: 'pending';
}

export interface CommittedSubmission {
  hash: string;
  status: 'committed';
  height: number;
  index: number;
  receipt: Receipt;
}

export type Submission = PendingSubmission | CommittedSubmission;

export type BatchResult = { hash: string } | { error: Problem };

export interface CommittedTransaction {
  hash: string;
  height: number;
  index: number;
  transaction: Transaction;
  receipt: Receipt;
}

export type TransactionLookup = CommittedTransaction | PendingSubmission;

export interface MerklePath {
  leafIndex: number;
  treeSize: number;
  path: string[];
}

export interface TransactionProof {
  hash: string;
  height: number;
  index: number;
  transaction: Transaction;
  receipt: Receipt;
  header: BlockHeader;
  blockHash: string;
  transactionProof: MerklePath;
  receiptProof: MerklePath;
  commit: CommitCertificate;
}

export interface BlockResponse {
  hash: string;
  header: BlockHeader;
  transactions: Transaction[];
  receipts: Receipt[];
  commit: CommitCertificate;
}

/** What the node knows of a key it has seen in a transaction or in governance state. */
export type KeyInfo = { [key: string]: JsonValue };

export interface AccountInfo {
  publicKey: string;
  /** The next nonce counting committed transactions only. */
  nonce: number;
  /** The next nonce counting transactions still waiting in the mempool. */
  pendingNonce: number;
  key: KeyInfo | null;
}

/** The state proof's format belongs to the state tree; the SDK passes it through as JSON. */
export type StateProof = JsonValue;

export interface QueryResponse {
  height: number;
  key: string;
  value: JsonValue | null;
  proof: StateProof;
  /** Null at height 0: the answer is then proven under the genesis state root. */
  header: BlockHeader | null;
  /** The genesis hash at height 0. */
  blockHash: string;
  /** Null at height 0, where no block has been certified yet. */
  commit: CommitCertificate | null;
}

export interface ModuleInfo {
  name: string;
  actions: string[];
  queries: { name: string; params: string[] }[];
}

export interface BlockEventData {
  height: number;
  hash: string;
  transactionCount: number;
  time: number;
}

export interface TransactionEventData {
  hash: string;
  height: number;
  index: number;
  code: number;
  name: string;
  events: ChainEvent[];
}

/** One item of the event stream; unknown event names are passed through, not dropped. */
export type ChainStreamEvent =
  | { type: 'block'; block: BlockEventData; id: string | undefined }
  | { type: 'tx'; transaction: TransactionEventData; id: string | undefined }
  | { type: 'other'; event: string; data: string; id: string | undefined };
