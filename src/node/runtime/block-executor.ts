/**
 * Executing candidate blocks on committed state, for the proposer (D4), for validators
 * (D5) and for catch-up (D8), and keeping the results by block hash so that the commit of
 * a decided block (D6) is a store write, not a second execution.
 *
 * Candidates are never persisted and their state-tree nodes never cached: node ids are
 * scoped by version, so two candidates for one height produce colliding ids, and only the
 * one that commits may reach the store (see state-tree-adapter.ts).
 */
import type {
  ContractEngine,
  ExecutedTransaction,
  StateReader,
} from '../../protocol/contracts/engine/types.js';
import { canonicalize } from '../../protocol/core/canonical.js';
import type { Crypto } from '../../protocol/core/crypto.js';
import { type BlockHeader, blockHash } from '../../protocol/ledger/block.js';
import { type BuiltBlock, buildBlock } from '../../protocol/ledger/build-block.js';
import { isPlainObject } from '../../protocol/ledger/transaction.js';
import type { NodeStateTree } from './state-tree-adapter.js';

/** Most transactions a block may hold; a proposal with more is invalid. */
export const BLOCK_TRANSACTIONS_LIMIT = 10_000;
/**
 * Encoded transaction bytes a proposer puts in one block. A proposal, a WAL record and a
 * catch-up answer each carry the whole block in one transport frame of at most 4 MiB, so
 * blocks are cut by bytes as well as by count; 3 MiB leaves room for the JSON envelope.
 */
export const BLOCK_TRANSACTION_BYTES_MAX = 3 * 1024 * 1024;
/** A proposal whose time is this far ahead of our clock is refused. */
export const BLOCK_TIME_FUTURE_MS_MAX = 30_000;

export interface CandidateBlock {
  height: number;
  hash: string;
  entries: ExecutedTransaction[];
  built: BuiltBlock;
}

export interface ExecutorDependencies {
  crypto: Crypto;
  engine: ContractEngine;
  /** Committed state; never holds a candidate's writes. */
  reader: StateReader;
  tree: NodeStateTree;
  chainId: string;
}

/** Where the next block must attach: what the committed chain says. */
export interface ChainTip {
  height: number;
  hash: string;
  time: number;
}

export class BlockExecutor {
  private readonly candidates = new Map<string, CandidateBlock>();

  constructor(private readonly deps: ExecutorDependencies) {}

  /** Executes `entries` as block tip.height + 1 and remembers the result by its hash. */
  build(
    tip: ChainTip,
    params: { time: number; proposer: string; entries: ExecutedTransaction[] },
  ): CandidateBlock {
    const { crypto, engine, reader, tree, chainId } = this.deps;
    const height = tip.height + 1;
    const built = buildBlock(
      { crypto, engine, reader, commitment: tree },
      {
        chainId,
        height,
        time: params.time,
        proposer: params.proposer,
        previousHash: tip.hash,
        transactions: params.entries,
      },
    );
    const candidate = {
      height,
      hash: blockHash(crypto, built.header),
      entries: params.entries,
      built,
    };
    this.candidates.set(candidate.hash, candidate);
    return candidate;
  }

  /**
   * Re-executes a proposed block's transactions and accepts it only if every header field
   * comes out the same. Returns the candidate, or why the block is not valid.
   */
  rebuild(
    tip: ChainTip,
    header: BlockHeader,
    entries: ExecutedTransaction[],
  ): CandidateBlock | string {
    const candidate = this.build(tip, { time: header.time, proposer: header.proposer, entries });
    let same = false;
    try {
      same = canonicalize(header as never) === canonicalize(candidate.built.header as never);
    } catch {
      same = false;
    }
    if (!same) {
      this.candidates.delete(candidate.hash);
      return 'the header does not match re-execution';
    }
    return candidate;
  }

  candidate(hash: string): CandidateBlock | undefined {
    return this.candidates.get(hash);
  }

  /** After a commit every candidate is for a height that is over. */
  clear(): void {
    this.candidates.clear();
  }
}

export interface BlockShape {
  header: BlockHeader;
  transactions: unknown[];
}

/**
 * The checks on an untrusted block that need no execution: it extends our tip, its time
 * moves forward (and not far beyond our clock), its proposer is a validator of the height.
 */
export function checkBlockShape(
  value: unknown,
  expected: { tip: ChainTip; chainId: string; nowMs: number; validators: readonly string[] },
): BlockShape | string {
  if (!isPlainObject(value) || !isPlainObject(value.header) || !Array.isArray(value.transactions)) {
    return 'a block is {header, transactions}';
  }
  const header = value.header as unknown as BlockHeader;
  const { tip } = expected;
  if (header.height !== tip.height + 1 || header.chainId !== expected.chainId) {
    return 'the block is for another height or chain';
  }
  if (header.previousHash !== tip.hash) {
    return 'the block does not extend the committed chain';
  }
  if (!Number.isSafeInteger(header.time) || header.time < tip.time) {
    return 'the block time goes backwards';
  }
  if (header.time > expected.nowMs + BLOCK_TIME_FUTURE_MS_MAX) {
    return 'the block time is too far in the future';
  }
  if (typeof header.proposer !== 'string' || !expected.validators.includes(header.proposer)) {
    return 'the block proposer is not a validator';
  }
  const count = value.transactions.length;
  if (count > BLOCK_TRANSACTIONS_LIMIT || header.transactionCount !== count) {
    return 'the block has too many transactions, or not as many as its header says';
  }
  return { header, transactions: value.transactions };
}
