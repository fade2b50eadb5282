/** Runs the shared ChainStore conformance suite against the SQLite adapter, on real files. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { utf8 } from '../../protocol/core/bytes.js';
import type { BlockWriteBatch, ChainStore } from './chain-store.js';
import { runChainStoreSuite } from './chain-store.suite.js';
import { SqliteChainStore } from './sqlite-chain-store.js';

const paths = new WeakMap<ChainStore, string>();

/** A value of the store's `meta` table. */
const meta = (store: SqliteChainStore, name: string) =>
  store.db.prepare<[string], string>('SELECT value FROM meta WHERE name = ?').pluck().get(name);

/** Names of the store's tables or indexes. */
const schemaNames = (store: SqliteChainStore, type: 'table' | 'index') =>
  store.db
    .prepare<[string], string>('SELECT name FROM sqlite_master WHERE type = ?')
    .pluck()
    .all(type);

for (const backgroundCheckpoints of [false, true]) {
  runChainStoreSuite(`sqlite${backgroundCheckpoints ? ', background checkpoints' : ''}`, {
    create() {
      const path = join(mkdtempSync(join(tmpdir(), 'medchain-store-')), 'chain.sqlite');
      const store = new SqliteChainStore({ path, backgroundCheckpoints });
      paths.set(store, path);
      return store;
    },
    reopen(store) {
      const path = paths.get(store)!;
      store.close();
      const reopened = new SqliteChainStore({ path, backgroundCheckpoints });
      paths.set(reopened, path);
      return reopened;
    },
  });
}

test('sqlite: the checkpoint worker copies committed pages out of the log', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'medchain-store-')), 'chain.sqlite');
  const store = new SqliteChainStore({ path, backgroundCheckpoints: true });
  store.saveGenesis({
    genesisJson: '{}',
    genesisHash: 'aa'.repeat(32),
    chainId: 'checkpoints',
    stateRoot: 'bb'.repeat(32),
    treeNodes: Array.from({ length: 2_000 }, (_, i) => [`0/${i}`, utf8('x'.repeat(200))]),
  });
  // Only the worker checkpoints (the writer's automatic checkpoints are off), so the
  // database file itself grows to hold the state only once the worker has copied the log.
  const deadline = Date.now() + 10_000;
  let copied = false;
  while (!copied && Date.now() < deadline) {
    await sleep(100);
    copied = statSync(path).size > 300_000;
  }
  assert.ok(copied, 'the log was copied into the database file');
  store.close();
});

/** A new store file with a genesis of one tree node, `0/` = "root". */
function storeWithGenesis(chainId: string): { path: string; created: SqliteChainStore } {
  const path = join(mkdtempSync(join(tmpdir(), 'medchain-store-')), 'chain.sqlite');
  const created = new SqliteChainStore({ path });
  created.saveGenesis({
    genesisJson: '{}',
    genesisHash: 'aa'.repeat(32),
    chainId,
    stateRoot: 'bb'.repeat(32),
    treeNodes: [['0/', utf8('root')]],
  });
  return { path, created };
}

test('sqlite: a version-1 file, which also kept a latest-value table, opens as version 4', () => {
  const { path, created } = storeWithGenesis('migration');
  // What version 1 wrote besides: the state table, with a copy of every latest value.
  created.db.exec(`CREATE TABLE state (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
    INSERT INTO state VALUES ('k', x'00');
    UPDATE meta SET value = '1' WHERE name = 'schema_version';`);
  created.close();
  const reopened = new SqliteChainStore({ path });
  const tables = schemaNames(reopened, 'table');
  assert.equal(tables.includes('state'), false, 'the latest-value table is dropped');
  assert.equal(meta(reopened, 'schema_version'), '4');
  assert.equal(reopened.genesis()?.chainId, 'migration');
  assert.deepEqual(new Uint8Array(reopened.treeNode('0/')!), utf8('root'));
  reopened.close();
});

test('sqlite: a version-3 file is taken as it is and marked version 4', () => {
  const { path, created } = storeWithGenesis('v3');
  created.db.exec("UPDATE meta SET value = '3' WHERE name = 'schema_version'");
  created.close();
  const reopened = new SqliteChainStore({ path });
  assert.equal(meta(reopened, 'schema_version'), '4');
  assert.equal(reopened.genesis()?.chainId, 'v3');
  assert.deepEqual(new Uint8Array(reopened.treeNode('0/')!), utf8('root'));
  reopened.close();
});

test('sqlite: a file of an unknown schema version is refused', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'medchain-store-')), 'chain.sqlite');
  const created = new SqliteChainStore({ path });
  created.db.exec("UPDATE meta SET value = '99' WHERE name = 'schema_version'");
  created.close();
  assert.throws(() => new SqliteChainStore({ path }), /unsupported schema version 99/);
});

/** A block of `count` transactions whose hashes are SHA-256 of `label/height/index`. */
function hashedBlock(height: number, count: number, label = 'tx'): BlockWriteBatch {
  const transactions = Array.from({ length: count }, (_, index) => {
    const hash = createHash('sha256').update(`${label}/${height}/${index}`).digest('hex');
    const transaction = {
      chainId: 'hashes',
      signer: '01'.repeat(32),
      nonce: index,
      module: 'identity',
      action: 'noop',
      args: { height, index },
      signature: '02'.repeat(64),
    };
    const receipt = { transactionHash: hash, code: 0, name: 'ok', message: '', events: [] };
    return { hash, transaction, receipt };
  });
  return {
    block: {
      height,
      hash: createHash('sha256').update(`block/${height}`).digest('hex'),
      header: {
        chainId: 'hashes',
        height,
        time: height,
        previousHash: '00'.repeat(32),
        transactionsRoot: '03'.repeat(32),
        resultsRoot: '04'.repeat(32),
        stateRoot: '05'.repeat(32),
        transactionCount: count,
        proposer: '06'.repeat(32),
      },
      commit: { height, round: 0, blockHash: '07'.repeat(32), signatures: [] },
    },
    transactions,
    treeNodes: [[`${height}/`, utf8(`node-${height}`)]],
  };
}

function hashStore(path: string, hashRunEntries: number): SqliteChainStore {
  const store = new SqliteChainStore({ path, hashRunEntries });
  if (store.latestHeight() < 0) {
    store.saveGenesis({
      genesisJson: '{}',
      genesisHash: 'aa'.repeat(32),
      chainId: 'hashes',
      stateRoot: 'bb'.repeat(32),
      treeNodes: [['0/', utf8('root')]],
    });
  }
  return store;
}

const indexedHeight = (store: SqliteChainStore) => Number(meta(store, 'hash_index_height'));

test('sqlite: every transaction is found by hash while runs merge, and after restarts', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'medchain-store-')), 'chain.sqlite');
  let store = hashStore(path, 10);
  const committed: { hash: string; height: number; index: number }[] = [];
  for (let height = 1; height <= 60; height++) {
    const block = hashedBlock(height, height % 4);
    store.commitBlock(block);
    for (const [index, { hash }] of block.transactions.entries()) {
      committed.push({ hash, height, index });
    }
    // Restart at heights that fall before, inside and after merges.
    if (height % 23 === 0 || height === 30) {
      store.close();
      store = hashStore(path, 10);
    }
    for (const { hash, height: at, index } of committed) {
      const found = store.transaction(hash);
      assert.equal(found?.height, at, `transaction ${at}/${index} found at height ${height}`);
      assert.equal(found.index, index);
      assert.equal(store.hasTransaction(hash), true);
    }
  }
  const absent = createHash('sha256').update('never committed').digest('hex');
  assert.equal(store.transaction(absent), undefined);
  assert.equal(store.hasTransaction(absent), false);
  // Runs did reach the table (a run takes 16 blocks to merge, so the newest are not there yet).
  const rows = store.db.prepare<[], number>('SELECT COUNT(*) FROM tx_hashes').pluck().get()!;
  assert.ok(rows >= 30 && rows < committed.length, `${rows} of ${committed.length} in the table`);
  assert.ok(indexedHeight(store) >= 20, `index height ${indexedHeight(store)}`);
  store.close();
});

test('sqlite: a hash sharing its 48-bit index key with another is told apart', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'medchain-store-')), 'chain.sqlite');
  const store = hashStore(path, 1);
  const block = hashedBlock(1, 2);
  // Same first six bytes as the first transaction's hash, different after.
  const [first, second] = block.transactions as [
    BlockWriteBatch['transactions'][number],
    BlockWriteBatch['transactions'][number],
  ];
  second.hash = first.hash.slice(0, 12) + 'f'.repeat(52);
  store.commitBlock(block);
  for (let height = 2; height <= 20; height++) {
    store.commitBlock(hashedBlock(height, 1));
  }
  assert.equal(indexedHeight(store) >= 1, true, 'block 1 is in the table');
  assert.equal(store.transaction(first.hash)?.index, 0);
  assert.equal(store.transaction(second.hash)?.index, 1);
  const third = first.hash.slice(0, 12) + 'e'.repeat(52);
  assert.equal(store.hasTransaction(third), false);
  store.close();
});

test('sqlite: a version-2 file, which indexed transactions.hash, opens as version 4', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'medchain-store-')), 'chain.sqlite');
  const created = hashStore(path, 1_000);
  const blocks = [hashedBlock(1, 3), hashedBlock(2, 2)];
  for (const block of blocks) {
    created.commitBlock(block);
  }
  // What version 2 had instead of tx_hashes.
  created.db.exec(`DROP TABLE tx_hashes;
    CREATE UNIQUE INDEX transactions_by_hash ON transactions (hash);
    DELETE FROM meta WHERE name = 'hash_index_height';
    UPDATE meta SET value = '2' WHERE name = 'schema_version';`);
  created.close();
  // A read-only view (medchain verify) of the old file still finds transactions by hash.
  const view = new SqliteChainStore({ path, readonly: true });
  assert.equal(view.transaction(blocks[1]!.transactions[1]!.hash)?.height, 2);
  view.close();
  const reopened = new SqliteChainStore({ path });
  assert.equal(meta(reopened, 'schema_version'), '4');
  const indexes = schemaNames(reopened, 'index');
  assert.equal(indexes.includes('transactions_by_hash'), false, 'the old index is dropped');
  assert.equal(indexedHeight(reopened), 2);
  for (const block of blocks) {
    block.transactions.forEach(({ hash }, index) => {
      assert.equal(reopened.transaction(hash)?.index, index);
    });
  }
  reopened.close();
});
