/** Runs the shared ChainStore conformance suite against the SQLite adapter, on real files. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChainStore } from './chain-store.js';
import { runChainStoreSuite } from './chain-store.suite.js';
import { SqliteChainStore } from './sqlite-chain-store.js';

const paths = new WeakMap<ChainStore, string>();

runChainStoreSuite('sqlite', {
  create() {
    const path = join(mkdtempSync(join(tmpdir(), 'medchain-store-')), 'chain.sqlite');
    const store = new SqliteChainStore({ path });
    paths.set(store, path);
    return store;
  },
  reopen(store) {
    const path = paths.get(store)!;
    store.close();
    const reopened = new SqliteChainStore({ path });
    paths.set(reopened, path);
    return reopened;
  },
});
