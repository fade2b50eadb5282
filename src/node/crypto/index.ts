/** Crypto implementations for the node: libsodium (default), OpenSSL, and their selection. */
export * from './node-crypto.js';
export * from './select-crypto.js';
export * from './sodium-crypto.js';
