/**
 * ChainStore on SQLite (better-sqlite3): the embedded default. One file per node, WAL
 * journal, one SQLite transaction per block. With `synchronous=NORMAL` in WAL mode a commit
 * survives the process being killed at any instant (SIGKILL, crash); `durability: 'full'`
 * also survives power loss at the cost of an fsync per block.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { type Bytes, toHex } from '../../protocol/core/bytes.js';
import type { BlockHeader, CommitCertificate, Receipt } from '../../protocol/ledger/block.js';
import type { Transaction } from '../../protocol/ledger/transaction.js';
import {
  type BlockWriteBatch,
  type ChainStore,
  type GenesisWriteBatch,
  StorageError,
  type StoredBlock,
  type StoredTransaction,
} from './chain-store.js';
import { insertRows, prepareRowInsert } from './row-insert.js';

/**
 * 4: internal tree nodes may record where their leaf children's rows are (docs/spec/state.md,
 *    "Node encoding"), which version-3 software cannot decode; version-3 files need no
 *    change, since nodes without locations still read as before.
 * 3: transactions are found by hash through `tx_hashes`, filled in sorted runs
 *    (docs/adr/0008-transaction-hash-index-in-runs.md); version 2 kept a unique index on
 *    `transactions.hash`, which opening a version-2 file replaces.
 * 2: the state lives in the tree only (tree_nodes); version 1 also kept a latest-value
 *    `state` table, which opening a version-1 file drops (docs/adr/0007-state-in-the-tree-only.md).
 */
const SCHEMA_VERSION = '4';
/** Transaction rows are keyed height * 2^20 + index: blocks hold fewer than 2^20 transactions. */
const INDEX_SPAN = 1 << 20;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blocks (
  height INTEGER PRIMARY KEY, hash BLOB NOT NULL, header TEXT NOT NULL,
  commit_certificate TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS transactions (
  id INTEGER PRIMARY KEY, hash BLOB NOT NULL, body TEXT NOT NULL, receipt TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tx_hashes (
  prefix INTEGER NOT NULL, id INTEGER NOT NULL, PRIMARY KEY (prefix, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tree_nodes (id TEXT PRIMARY KEY, node BLOB NOT NULL) WITHOUT ROWID;
`;

export interface SqliteChainStoreOptions {
  path: string;
  durability?: 'normal' | 'full';
  readonly?: boolean;
  /**
   * Checkpoint the write-ahead log from a worker thread instead of inside block commits
   * (checkpoint-worker.ts). Nodes turn it on; short-lived stores (tests, audits) need not.
   */
  backgroundCheckpoints?: boolean;
  /** Hashes per sorted run merged into the hash index (tests make it small). */
  hashRunEntries?: number;
}

/** A run of hashes being merged into `tx_hashes`, sorted by prefix, a slice per block. */
interface HashRun {
  /** [prefix, id] pairs. */
  entries: [number, number][];
  byHash: Map<string, number>;
  next: number;
  slice: number;
  /** The highest block whose hashes the run holds. */
  toHeight: number;
}

/**
 * SQLite's own page cache per connection. The operating system's page cache holds the file
 * anyway, so a larger one only saves copies: 64 MiB and 16 MiB measured the same CPU per
 * transaction over 400,000 transactions (docs/BENCHMARKS.md), and the smaller one keeps a
 * validator's resident memory 40-60 MiB lower.
 */
const PAGE_CACHE_KIB = 16_384;

/**
 * Transactions found by hash without an index that takes every block's hashes in random
 * order: a block of 2,000 transactions dirtied nearly 2,000 index pages (16 KiB each) once
 * the index outgrew that many, so the write batch grew with the chain. Instead the hashes
 * of recent blocks are kept in memory; once they number HASH_RUN_ENTRIES they are sorted
 * and merged into `tx_hashes` over the next HASH_RUN_BLOCKS blocks, a contiguous key range
 * per block, so each index page is written about once per run. `tx_hashes` keys on the
 * hash's first 48 bits (a safe integer; about 18 bytes an entry instead of 40), and a
 * lookup compares the full hash in the transaction row.
 * Meta `hash_index_height`: every transaction of the blocks up to it is in `tx_hashes`;
 * those above are read back into memory at startup.
 */
const HASH_RUN_ENTRIES = 32_768;
const HASH_RUN_BLOCKS = 16;
const HASH_INDEX_HEIGHT = 'hash_index_height';

/** How often the checkpoint worker copies the log: a few blocks' worth at full load. */
const CHECKPOINT_INTERVAL_MS = 500;

/**
 * Copies the write-ahead log into the database file on its own thread. With SQLite's
 * automatic checkpoints, the block commit that crosses the threshold also copies pages and
 * waits for an fsync, on the thread that executes blocks; here that work overlaps with it.
 * PASSIVE checkpoints never block the writer, which rewinds the log once it is copied.
 * Inline source, so the same code runs from the compiled package and from TypeScript.
 */
const CHECKPOINT_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqlite);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy or closing: the next tick tries again, and the writer's close checkpoints the rest.
  }
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message === 'close') {
    clearInterval(timer);
    db.close();
    parentPort.close();
  }
});
`;
const require = createRequire(import.meta.url);

interface TransactionRow {
  id: number;
  hash: Buffer;
  body: string;
  receipt: string;
}

export class SqliteChainStore implements ChainStore {
  readonly db: Database.Database;
  private readonly statements;
  private height: number;
  private checkpointer: Worker | undefined;
  private readonly hashRunEntries: number;
  /** Transaction ids by hex hash, for blocks not yet in a run. */
  private recentHashes = new Map<string, number>();
  private hashRun: HashRun | undefined;
  /** A read-only view of a version-1 or -2 file, which has the old index instead. */
  private readonly legacyHashIndex: boolean;

  constructor(options: SqliteChainStoreOptions) {
    this.db = new Database(options.path, { readonly: options.readonly ?? false });
    if (!options.readonly) {
      // Larger pages mean fewer page splits and WAL frames for the ~4 KB each transaction
      // writes (body, receipt, tree nodes): about a quarter less write time here.
      // It only takes effect when the file is created.
      this.db.pragma('page_size = 16384');
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${options.durability === 'full' ? 'FULL' : 'NORMAL'}`);
      this.db.exec(SCHEMA);
      this.checkSchemaVersion();
    }
    this.db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
    this.hashRunEntries = options.hashRunEntries ?? HASH_RUN_ENTRIES;
    this.legacyHashIndex = !this.hasTable('tx_hashes');
    this.statements = this.prepare();
    this.height = this.loadHeight();
    if (!this.legacyHashIndex) {
      this.loadRecentHashes();
    }
    if (options.backgroundCheckpoints === true && !options.readonly) {
      this.db.pragma('wal_autocheckpoint = 0');
      this.checkpointer = new Worker(CHECKPOINT_WORKER, {
        eval: true,
        workerData: {
          sqlite: require.resolve('better-sqlite3'),
          path: options.path,
          intervalMs: CHECKPOINT_INTERVAL_MS,
        },
      });
      this.checkpointer.unref();
    }
  }

  private prepare() {
    const db = this.db;
    return {
      meta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE name = ?'),
      setMeta: db.prepare('INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)'),
      maxHeight: db.prepare<[], { height: number | null }>(
        'SELECT MAX(height) AS height FROM blocks',
      ),
      block: db.prepare<[number], { hash: Buffer; header: string; commit_certificate: string }>(
        'SELECT hash, header, commit_certificate FROM blocks WHERE height = ?',
      ),
      insertBlock: db.prepare(
        'INSERT INTO blocks (height, hash, header, commit_certificate) VALUES (?, ?, ?, ?)',
      ),
      insertTransactions: prepareRowInsert(
        db,
        'INSERT INTO transactions (id, hash, body, receipt)',
        4,
      ),
      blockTransactions: db.prepare<[number, number], TransactionRow>(
        'SELECT id, hash, body, receipt FROM transactions WHERE id >= ? AND id < ? ORDER BY id',
      ),
      transactionById: db.prepare<[number], TransactionRow>(
        'SELECT id, hash, body, receipt FROM transactions WHERE id = ?',
      ),
      transactionsFrom: db.prepare<[number], { id: number; hash: Buffer }>(
        'SELECT id, hash FROM transactions WHERE id >= ? ORDER BY id',
      ),
      // Only a read-only view of an older file uses it: that file still has the index.
      transactionByHash: this.legacyHashIndex
        ? db.prepare<[Buffer], TransactionRow>(
            'SELECT id, hash, body, receipt FROM transactions WHERE hash = ?',
          )
        : undefined,
      hashIds: this.legacyHashIndex
        ? undefined
        : db.prepare<[number], number>('SELECT id FROM tx_hashes WHERE prefix = ?').pluck(),
      insertHashes: this.legacyHashIndex
        ? undefined
        : prepareRowInsert(db, 'INSERT OR IGNORE INTO tx_hashes (prefix, id)', 2),
      treeNode: db.prepare<[string], Buffer>('SELECT node FROM tree_nodes WHERE id = ?').pluck(),
      insertTreeNodes: prepareRowInsert(db, 'INSERT OR REPLACE INTO tree_nodes (id, node)', 2),
    };
  }

  private checkSchemaVersion(): void {
    const row = this.db
      .prepare<[], { value: string }>("SELECT value FROM meta WHERE name = 'schema_version'")
      .get();
    const setMeta = this.db.prepare('INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)');
    if (row === undefined) {
      this.db.transaction(() => {
        setMeta.run('schema_version', SCHEMA_VERSION);
        setMeta.run(HASH_INDEX_HEIGHT, '0');
      })();
      return;
    }
    if (!['1', '2', '3', SCHEMA_VERSION].includes(row.value)) {
      throw new StorageError('corrupt', `unsupported schema version ${row.value}`);
    }
    if (row.value === SCHEMA_VERSION) {
      return;
    }
    if (row.value === '3') {
      // 3 → 4: nothing to rewrite; the number keeps version-3 software off the file.
      setMeta.run('schema_version', SCHEMA_VERSION);
      return;
    }
    this.db.transaction(() => {
      // 1 → 2: every value of the dropped table is also in a leaf of the latest tree
      // version, which is what every read goes through now.
      this.db.exec('DROP TABLE IF EXISTS state');
      // 2 → 3: the hashes of every stored transaction go into tx_hashes in one sorted pass.
      this.db.function('hash_prefix', { deterministic: true }, (hash: unknown) =>
        hashPrefix(hash as Buffer),
      );
      this.db.exec(`DELETE FROM tx_hashes;
        INSERT INTO tx_hashes (prefix, id)
          SELECT hash_prefix(hash), id FROM transactions ORDER BY 1, 2;
        DROP INDEX IF EXISTS transactions_by_hash;`);
      const top = this.db
        .prepare<[], number | null>('SELECT MAX(height) FROM blocks')
        .pluck()
        .get();
      setMeta.run(HASH_INDEX_HEIGHT, String(top ?? 0));
      setMeta.run('schema_version', SCHEMA_VERSION);
    })();
  }

  private hasTable(name: string): boolean {
    const found = this.db
      .prepare<[string], number>("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")
      .pluck()
      .get(name);
    return found !== undefined;
  }

  /** Reads back the hashes of the blocks above the hash index's height (see HASH_RUN_ENTRIES). */
  private loadRecentHashes(): void {
    const indexed = Number(this.statements.meta.get(HASH_INDEX_HEIGHT)?.value ?? 0);
    for (const row of this.statements.transactionsFrom.iterate((indexed + 1) * INDEX_SPAN)) {
      this.recentHashes.set(toHex(row.hash), row.id);
    }
    if (!this.db.readonly && this.recentHashes.size >= this.hashRunEntries) {
      this.startHashRun();
    }
  }

  /** Freezes the recent hashes into a sorted run that the next blocks merge into the index. */
  private startHashRun(): void {
    const byHash = this.recentHashes;
    this.recentHashes = new Map();
    const entries: [number, number][] = [];
    for (const [hash, id] of byHash) {
      entries.push([hashPrefix(hash), id]);
    }
    entries.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    this.hashRun = {
      entries,
      byHash,
      next: 0,
      slice: Math.ceil(entries.length / HASH_RUN_BLOCKS),
      toHeight: this.height,
    };
  }

  /** Inside a block's write: merges the run's next slice; returns where the next begins. */
  private mergeHashSlice(): number | undefined {
    const run = this.hashRun;
    const insert = this.statements.insertHashes;
    if (run === undefined || insert === undefined) {
      return undefined;
    }
    const end = Math.min(run.next + run.slice, run.entries.length);
    insertRows(insert, run.next, end, (index, args, at) => {
      const [prefix, id] = run.entries[index]!;
      args[at] = prefix;
      args[at + 1] = id;
    });
    if (end === run.entries.length) {
      this.statements.setMeta.run(HASH_INDEX_HEIGHT, String(run.toHeight));
    }
    return end;
  }

  /** The row of a transaction by hash; an index hit is checked against the full hash. */
  private transactionRow(hash: string): TransactionRow | undefined {
    const { transactionByHash, transactionById, hashIds } = this.statements;
    if (transactionByHash !== undefined) {
      return transactionByHash.get(Buffer.from(hash, 'hex'));
    }
    const recent = this.recentHashes.get(hash) ?? this.hashRun?.byHash.get(hash);
    if (recent !== undefined) {
      return transactionById.get(recent);
    }
    const prefix = hashPrefix(hash);
    if (hashIds === undefined || Number.isNaN(prefix)) {
      return undefined;
    }
    for (const id of hashIds.all(prefix)) {
      const row = transactionById.get(id);
      if (row !== undefined && toHex(row.hash) === hash) {
        return row;
      }
    }
    return undefined;
  }

  private loadHeight(): number {
    if (this.statements.meta.get('genesis_hash') === undefined) {
      return -1;
    }
    return this.statements.maxHeight.get()?.height ?? 0;
  }

  latestHeight(): number {
    return this.height;
  }

  genesis(): { json: string; hash: string; chainId: string; stateRoot: string } | undefined {
    const read = (name: string) => this.statements.meta.get(name)?.value;
    const hash = read('genesis_hash');
    if (hash === undefined) {
      return undefined;
    }
    return {
      hash,
      json: read('genesis_json') ?? '',
      chainId: read('chain_id') ?? '',
      stateRoot: read('genesis_state_root') ?? '',
    };
  }

  block(height: number): StoredBlock | undefined {
    const row = this.statements.block.get(height);
    if (row === undefined) {
      return undefined;
    }
    return {
      height,
      hash: toHex(row.hash),
      header: JSON.parse(row.header) as BlockHeader,
      commit: JSON.parse(row.commit_certificate) as CommitCertificate,
    };
  }

  blockTransactions(height: number): StoredTransaction[] {
    const rows = this.statements.blockTransactions.all(
      height * INDEX_SPAN,
      (height + 1) * INDEX_SPAN,
    );
    return rows.map(decodeTransactionRow);
  }

  transaction(hash: string): StoredTransaction | undefined {
    const row = this.transactionRow(hash);
    return row === undefined ? undefined : decodeTransactionRow(row);
  }

  hasTransaction(hash: string): boolean {
    return this.transactionRow(hash) !== undefined;
  }

  treeNode(id: string): Bytes | undefined {
    return this.statements.treeNode.get(id);
  }

  saveGenesis(batch: GenesisWriteBatch): void {
    if (this.height >= 0) {
      throw new StorageError('genesis_exists', 'this store already holds a genesis');
    }
    const write = this.db.transaction(() => {
      this.writeTreeNodes(batch.treeNodes);
      this.statements.setMeta.run('genesis_json', batch.genesisJson);
      this.statements.setMeta.run('genesis_hash', batch.genesisHash);
      this.statements.setMeta.run('chain_id', batch.chainId);
      this.statements.setMeta.run('genesis_state_root', batch.stateRoot);
    });
    write();
    this.height = 0;
  }

  commitBlock(batch: BlockWriteBatch): void {
    if (this.height < 0) {
      throw new StorageError('no_genesis', 'commit before genesis');
    }
    const { block } = batch;
    if (block.height !== this.height + 1) {
      throw new StorageError(
        'height_out_of_order',
        `expected height ${this.height + 1}, got ${block.height}`,
      );
    }
    if (batch.transactions.length >= INDEX_SPAN) {
      throw new StorageError('corrupt', 'too many transactions in one block');
    }
    const base = block.height * INDEX_SPAN;
    const write = this.db.transaction(() => {
      this.statements.insertBlock.run(
        block.height,
        Buffer.from(block.hash, 'hex'),
        JSON.stringify(block.header),
        JSON.stringify(block.commit),
      );
      const { transactions } = batch;
      insertRows(this.statements.insertTransactions, 0, transactions.length, (index, args, at) => {
        const entry = transactions[index]!;
        args[at] = base + index;
        args[at + 1] = Buffer.from(entry.hash, 'hex');
        args[at + 2] = JSON.stringify(entry.transaction);
        args[at + 3] = JSON.stringify(entry.receipt);
      });
      this.writeTreeNodes(batch.treeNodes);
      return this.mergeHashSlice();
    });
    const merged = write();
    this.height = block.height;
    for (let index = 0; index < batch.transactions.length; index++) {
      this.recentHashes.set(batch.transactions[index]!.hash, base + index);
    }
    const run = this.hashRun;
    if (run !== undefined && merged !== undefined) {
      run.next = merged;
      if (merged === run.entries.length) {
        this.hashRun = undefined;
      }
    }
    if (this.hashRun === undefined && this.recentHashes.size >= this.hashRunEntries) {
      this.startHashRun();
    }
  }

  private writeTreeNodes(treeNodes: ReadonlyArray<readonly [string, Bytes]>): void {
    // better-sqlite3 binds any Uint8Array view as it is, offset and length honoured.
    insertRows(this.statements.insertTreeNodes, 0, treeNodes.length, (index, args, at) => {
      const [id, node] = treeNodes[index]!;
      args[at] = id;
      args[at + 1] = node;
    });
  }

  close(): void {
    // The worker closes its connection first, so ours is the last and checkpoints the rest.
    this.checkpointer?.postMessage('close');
    this.checkpointer = undefined;
    if (this.db.open) {
      this.db.close();
    }
  }
}

function decodeTransactionRow(row: TransactionRow): StoredTransaction {
  return {
    hash: toHex(row.hash),
    height: Math.floor(row.id / INDEX_SPAN),
    index: row.id % INDEX_SPAN,
    transaction: JSON.parse(row.body) as Transaction,
    receipt: JSON.parse(row.receipt) as Receipt,
  };
}

/** A transaction hash's first 48 bits, the key of `tx_hashes`; NaN for a malformed hex hash. */
function hashPrefix(hash: Buffer | string): number {
  if (typeof hash === 'string') {
    return /^[0-9a-f]{12}/.test(hash) ? Number.parseInt(hash.slice(0, 12), 16) : Number.NaN;
  }
  return hash.readUIntBE(0, 6);
}
