/** Public surface of the deterministic protocol core. */
export * from './core/assert.js';
export * from './core/bytes.js';
export * from './core/canonical.js';
export * from './core/crypto.js';
export * from './core/hash.js';
export * from './ledger/block.js';
export * from './ledger/transaction.js';
