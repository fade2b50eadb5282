/** Runs the shared ChainStore conformance suite against the in-memory adapter. */
import { runChainStoreSuite } from './chain-store.suite.js';
import { MemoryChainStore } from './memory-chain-store.js';

runChainStoreSuite('memory', { create: () => new MemoryChainStore() });
