/** Runs the shared ChainStore conformance suite against the SQLite adapter, on real files. */
import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { utf8 } from '../../protocol/core/bytes.js';
import type { ChainStore } from './chain-store.js';
import { runChainStoreSuite } from './chain-store.suite.js';
import { SqliteChainStore } from './sqlite-chain-store.js';

const paths = new WeakMap<ChainStore, string>();

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

test('sqlite: a version-1 file, which also kept a latest-value table, opens as version 2', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'medchain-store-')), 'chain.sqlite');
  const created = new SqliteChainStore({ path });
  created.saveGenesis({
    genesisJson: '{}',
    genesisHash: 'aa'.repeat(32),
    chainId: 'migration',
    stateRoot: 'bb'.repeat(32),
    treeNodes: [['0/', utf8('root')]],
  });
  // What version 1 wrote besides: the state table, with a copy of every latest value.
  created.db.exec(`CREATE TABLE state (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
    INSERT INTO state VALUES ('k', x'00');
    UPDATE meta SET value = '1' WHERE name = 'schema_version';`);
  created.close();
  const reopened = new SqliteChainStore({ path });
  const tables = reopened.db
    .prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table'")
    .pluck()
    .all();
  assert.equal(tables.includes('state'), false, 'the latest-value table is dropped');
  const version = reopened.db
    .prepare<[], string>("SELECT value FROM meta WHERE name = 'schema_version'")
    .pluck()
    .get();
  assert.equal(version, '2');
  assert.equal(reopened.genesis()?.chainId, 'migration');
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
