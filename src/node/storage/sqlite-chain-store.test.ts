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
    state: new Map(Array.from({ length: 2_000 }, (_, i) => [`k/${i}`, utf8('x'.repeat(200))])),
    treeNodes: [],
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
