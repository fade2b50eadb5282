/**
 * Building a block from ordered transactions: execute them over state, commit the writes to
 * the authenticated state, and compute the header's three roots. Block production and the
 * offline audit (`medchain verify`) both call this one function, so an audit re-executes
 * exactly what production did.
 */
import type {
  BlockExecution,
  ContractEngine,
  ExecutedTransaction,
  StateReader,
  WriteSet,
} from '../contracts/engine/types.js';
import { assert } from '../core/assert.js';
import { type Bytes, toHex } from '../core/bytes.js';
import { canonicalBytes } from '../core/canonical.js';
import type { Crypto } from '../core/crypto.js';
import { hashFixedLeaves, hashLeaves, merkleRootOfLeafHashes } from '../core/merkle.js';
import type { BlockHeader, Receipt } from './block.js';
import { TRANSACTION_LEAF_BYTES, writeTransactionLeaf } from './transaction.js';

/** Commits a block's writes into the authenticated state; the node adapts the state tree. */
export interface StateCommitment {
  commit(version: number, writes: WriteSet): { root: string; nodes: Array<[string, Bytes]> };
}

export interface BlockInput {
  chainId: string;
  height: number;
  time: number;
  proposer: string;
  previousHash: string;
  transactions: readonly ExecutedTransaction[];
}

export interface BuiltBlock {
  header: BlockHeader;
  receipts: Receipt[];
  writes: WriteSet;
  treeNodes: Array<[string, Bytes]>;
}

export interface BuildDependencies {
  crypto: Crypto;
  engine: ContractEngine;
  reader: StateReader;
  commitment: StateCommitment;
}

export function buildBlock(deps: BuildDependencies, input: BlockInput): BuiltBlock {
  assert(input.height >= 1, 'build-block: height starts at 1');
  const execution: BlockExecution = deps.engine.executeBlock(
    deps.reader,
    { chainId: input.chainId, height: input.height, time: input.time, proposer: input.proposer },
    input.transactions,
  );
  assert(
    execution.receipts.length === input.transactions.length,
    'build-block: one receipt per transaction',
  );
  const state = deps.commitment.commit(input.height, execution.writes);
  const header: BlockHeader = {
    chainId: input.chainId,
    height: input.height,
    time: input.time,
    previousHash: input.previousHash,
    transactionsRoot: transactionsRoot(deps.crypto, input.transactions),
    resultsRoot: resultsRoot(deps.crypto, execution.receipts),
    stateRoot: state.root,
    transactionCount: input.transactions.length,
    proposer: input.proposer,
  };
  return { header, receipts: execution.receipts, writes: execution.writes, treeNodes: state.nodes };
}

export function transactionsRoot(
  crypto: Crypto,
  transactions: readonly ExecutedTransaction[],
): string {
  const leafHashes = hashFixedLeaves(
    crypto,
    transactions.length,
    TRANSACTION_LEAF_BYTES,
    (index, target, offset) => {
      const entry = transactions[index]!;
      writeTransactionLeaf(entry.hash, entry.transaction.signature, target, offset);
    },
  );
  return toHex(merkleRootOfLeafHashes(crypto, leafHashes));
}

export function resultsRoot(crypto: Crypto, receipts: readonly Receipt[]): string {
  const leaves = receipts.map((receipt) => canonicalBytes(receipt));
  return toHex(merkleRootOfLeafHashes(crypto, hashLeaves(crypto, leaves)));
}
