/** medchain SDK: keys, transactions, the API client and offline proof verification. */
export * from '../protocol/index.js';
