/**
 * The storage port: everything a node persists. One `commitBlock` call is one atomic write
 * batch — a block, its transactions, receipts and state-tree nodes become
 * visible together or not at all, so a crash at any instant leaves the last fully committed
 * height. Adapters: SQLite (default, sqlite-chain-store.ts) and memory (memory-chain-store.ts);
 * both pass chain-store.suite.ts.
 */
import type { Bytes } from '../../protocol/core/bytes.js';
import type { BlockHeader, CommitCertificate, Receipt } from '../../protocol/ledger/block.js';
import type { Transaction } from '../../protocol/ledger/transaction.js';

export interface StoredTransaction {
  hash: string;
  height: number;
  index: number;
  transaction: Transaction;
  receipt: Receipt;
}

export interface StoredBlock {
  height: number;
  hash: string;
  header: BlockHeader;
  commit: CommitCertificate;
}

/** Everything one block changes, written atomically. */
export interface BlockWriteBatch {
  block: StoredBlock;
  /** Transactions in block order, with their hashes and receipts. */
  transactions: { hash: string; transaction: Transaction; receipt: Receipt }[];
  /**
   * New state-tree nodes for this version. The tree is the only copy of the state: its
   * leaves hold the values, and the node reads the latest ones through it.
   */
  treeNodes: ReadonlyArray<readonly [string, Bytes]>;
}

/** Height-0 contents: the genesis document and the state it creates. */
export interface GenesisWriteBatch {
  genesisJson: string;
  genesisHash: string;
  chainId: string;
  stateRoot: string;
  treeNodes: ReadonlyArray<readonly [string, Bytes]>;
}

export interface ChainStore {
  /** Highest committed height; 0 after genesis only; -1 when the store is empty. */
  latestHeight(): number;
  genesis(): { json: string; hash: string; chainId: string; stateRoot: string } | undefined;
  block(height: number): StoredBlock | undefined;
  /** Transactions and receipts of one block, in order. */
  blockTransactions(height: number): StoredTransaction[];
  transaction(hash: string): StoredTransaction | undefined;
  hasTransaction(hash: string): boolean;
  treeNode(id: string): Bytes | undefined;
  saveGenesis(batch: GenesisWriteBatch): void;
  commitBlock(batch: BlockWriteBatch): void;
  close(): void;
}

export class StorageError extends Error {
  override name = 'StorageError';
  constructor(
    readonly code: 'height_out_of_order' | 'genesis_exists' | 'no_genesis' | 'corrupt',
    message: string,
  ) {
    super(message);
  }
}
