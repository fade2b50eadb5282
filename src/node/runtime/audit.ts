/**
 * The offline audit behind `medchain verify`: trusts nothing in a node's database. It
 * re-hashes every block, checks the hash chain and each commit certificate, re-verifies every
 * transaction signature, re-executes every block from genesis into a scratch database and
 * compares roots and receipts. It stops at the first height where anything disagrees.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContractEngine, ExecutedTransaction } from '../../protocol/contracts/engine/types.js';
import { canonicalize } from '../../protocol/core/canonical.js';
import type { Crypto } from '../../protocol/core/crypto.js';
import { decodeGenesis } from '../../protocol/genesis/decode.js';
import { genesisHash } from '../../protocol/genesis/hash.js';
import { type BlockHeader, blockHash } from '../../protocol/ledger/block.js';
import { buildBlock } from '../../protocol/ledger/build-block.js';
import { verifyCommitCertificate } from '../../protocol/ledger/commit.js';
import {
  decodeTransaction,
  transactionHash,
  verifyTransactionSignature,
} from '../../protocol/ledger/transaction.js';
import type { ChainStore, StoredBlock, StoredTransaction } from '../storage/chain-store.js';
import { SqliteChainStore } from '../storage/sqlite-chain-store.js';
import { ensureGenesis } from './open-node.js';
import { StateCache } from './state-cache.js';
import { latestStateSource, type NodeStateTree, nodeStateTree } from './state-tree-adapter.js';

export interface AuditReport {
  ok: boolean;
  height: number;
  blocksChecked: number;
  transactionsChecked: number;
  /** First height that failed; 0 for the genesis, undefined when all is well. */
  failedHeight?: number;
  reason?: string;
}

export interface AuditOptions {
  crypto: Crypto;
  engine: ContractEngine;
  onProgress?: (height: number, total: number) => void;
}

class AuditFailure extends Error {
  constructor(
    readonly height: number,
    reason: string,
  ) {
    super(reason);
  }
}

/** Audits the database at `path`, opened read-only. */
export function auditDatabase(path: string, options: AuditOptions): AuditReport {
  const source = new SqliteChainStore({ path, readonly: true });
  const scratchDir = mkdtempSync(join(tmpdir(), 'medchain-verify-'));
  const scratch = new SqliteChainStore({ path: join(scratchDir, 'replay.sqlite') });
  try {
    return auditStores(source, scratch, options);
  } finally {
    source.close();
    scratch.close();
    rmSync(scratchDir, { recursive: true, force: true });
  }
}

export function auditStores(
  source: ChainStore,
  scratch: ChainStore,
  options: AuditOptions,
): AuditReport {
  const height = source.latestHeight();
  const report: AuditReport = { ok: true, height, blocksChecked: 0, transactionsChecked: 0 };
  try {
    const genesis = checkGenesis(source, scratch, options);
    const replica = openReplica(options.crypto, scratch);
    let previousHash = genesis.hash;
    for (let h = 1; h <= height; h++) {
      const block = source.block(h);
      if (block === undefined) {
        throw new AuditFailure(h, `block ${h} is missing`);
      }
      const transactions = readTransactions(source, h);
      checkBlock(options, { chainId: genesis.chainId, block, previousHash, transactions, replica });
      replayBlock(options, { block, transactions, replica });
      previousHash = block.hash;
      report.blocksChecked += 1;
      report.transactionsChecked += transactions.length;
      options.onProgress?.(h, height);
    }
  } catch (error) {
    if (!(error instanceof AuditFailure)) {
      throw error;
    }
    report.ok = false;
    report.failedHeight = error.height;
    report.reason = error.message;
  }
  return report;
}

function checkGenesis(source: ChainStore, scratch: ChainStore, options: AuditOptions) {
  const stored = source.genesis();
  if (stored === undefined) {
    throw new AuditFailure(0, 'the database holds no genesis');
  }
  const decoded = decodeGenesis(parseJson(stored.json, 0, 'genesis'));
  if (!decoded.ok) {
    throw new AuditFailure(0, `stored genesis is invalid: ${decoded.message}`);
  }
  const hash = genesisHash(options.crypto, decoded.value);
  if (hash !== stored.hash) {
    throw new AuditFailure(0, `genesis hashes to ${hash}, the database says ${stored.hash}`);
  }
  ensureGenesis({ store: scratch, crypto: options.crypto, engine: options.engine }, decoded.value);
  if (scratch.genesis()!.stateRoot !== stored.stateRoot) {
    throw new AuditFailure(0, 'genesis state root does not match re-execution');
  }
  return stored;
}

function parseJson(text: string, height: number, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new AuditFailure(height, `${what} at height ${height} is not valid JSON`);
  }
}

function readTransactions(source: ChainStore, height: number): StoredTransaction[] {
  try {
    return source.blockTransactions(height);
  } catch (error) {
    throw new AuditFailure(height, `transactions unreadable: ${(error as Error).message}`);
  }
}

interface BlockCheck {
  chainId: string;
  block: StoredBlock;
  previousHash: string;
  transactions: StoredTransaction[];
  replica: Replica;
}

/** The re-executed chain: the scratch store, its state tree, and reads through both. */
interface Replica {
  store: ChainStore;
  tree: NodeStateTree;
  reader: StateCache;
}

function openReplica(crypto: Crypto, store: ChainStore): Replica {
  const tree = nodeStateTree(crypto, store);
  const reader = new StateCache(latestStateSource(crypto, store, tree));
  return { store, tree, reader };
}

function checkBlock(options: AuditOptions, check: BlockCheck): void {
  const { crypto, engine } = options;
  const { block, transactions } = check;
  const h = block.height;
  const header: BlockHeader = block.header;
  if (blockHash(crypto, header) !== block.hash) {
    throw new AuditFailure(h, 'block header does not hash to the stored block hash');
  }
  if (header.height !== h || header.chainId !== check.chainId) {
    throw new AuditFailure(h, 'block header names the wrong height or chain');
  }
  if (header.previousHash !== check.previousHash) {
    throw new AuditFailure(h, 'block does not link to the previous block hash');
  }
  if (header.transactionCount !== transactions.length) {
    throw new AuditFailure(
      h,
      `header counts ${header.transactionCount} transactions, found ${transactions.length}`,
    );
  }
  const reader = check.replica.reader;
  // The set in force at h: a change passed at h - 1 or earlier decides from its own height.
  const validators = engine.validators(reader, h);
  const certificate = verifyCommitCertificate(crypto, {
    chainId: check.chainId,
    certificate: block.commit,
    validators,
  });
  if (!certificate.ok || block.commit.blockHash !== block.hash || block.commit.height !== h) {
    const reason = certificate.ok ? 'certificate is for another block' : certificate.reason;
    throw new AuditFailure(h, `commit certificate does not verify: ${reason}`);
  }
  for (const entry of transactions) {
    const decoded = decodeTransaction(entry.transaction);
    if (!decoded.ok) {
      throw new AuditFailure(h, `transaction ${entry.index} is malformed: ${decoded.message}`);
    }
    if (transactionHash(crypto, decoded.value) !== entry.hash) {
      throw new AuditFailure(h, `transaction ${entry.index} does not hash to its stored hash`);
    }
    if (!verifyTransactionSignature(crypto, decoded.value)) {
      throw new AuditFailure(h, `transaction ${entry.index} has an invalid signature`);
    }
  }
}

function replayBlock(
  options: AuditOptions,
  replay: { block: StoredBlock; transactions: StoredTransaction[]; replica: Replica },
): void {
  const { crypto, engine } = options;
  const { block, transactions, replica } = replay;
  const h = block.height;
  const executed: ExecutedTransaction[] = transactions.map((entry) => ({
    transaction: entry.transaction,
    hash: entry.hash as ExecutedTransaction['hash'],
  }));
  const header = block.header;
  const built = buildBlock(
    {
      crypto,
      engine,
      reader: replica.reader,
      commitment: replica.tree,
    },
    {
      chainId: header.chainId,
      height: h,
      time: header.time,
      proposer: header.proposer,
      previousHash: header.previousHash,
      transactions: executed,
    },
  );
  for (const field of ['transactionsRoot', 'resultsRoot', 'stateRoot'] as const) {
    if (built.header[field] !== header[field]) {
      throw new AuditFailure(h, `${field} does not match re-execution`);
    }
  }
  for (let index = 0; index < transactions.length; index++) {
    if (canonicalize(built.receipts[index]) !== canonicalize(transactions[index]!.receipt)) {
      throw new AuditFailure(h, `receipt ${index} does not match re-execution`);
    }
  }
  replica.store.commitBlock({
    block,
    transactions: transactions.map(({ hash, transaction }, index) => ({
      hash,
      transaction,
      receipt: built.receipts[index]!,
    })),
    treeNodes: built.treeNodes,
  });
  replica.reader.apply(built.writes, built.treeNodes);
  replica.tree.persisted(built.treeNodes);
}
