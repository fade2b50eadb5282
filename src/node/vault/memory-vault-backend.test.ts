/** Runs the shared VaultBackend conformance suite against the in-memory adapter. */
import { MemoryVaultBackend } from './memory-vault-backend.js';
import { runVaultBackendSuite } from './vault-backend.suite.js';

runVaultBackendSuite('memory', {
  create: async (limits) => new MemoryVaultBackend(limits === undefined ? {} : { limits }),
});
