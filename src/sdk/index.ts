/** medchain SDK: keys, transactions, the API client and offline proof verification. */

export { decodeGenesis } from '../protocol/genesis/decode.js';
export type {
  ConsensusParams,
  Genesis,
  GenesisMember,
  GenesisOrganization,
} from '../protocol/genesis/types.js';
export * from '../protocol/index.js';
export * from './api-types.js';
export * from './client.js';
export * from './errors.js';
export * from './health.js';
export * from './health-records.js';
export * from './keys.js';
export * from './keystore.js';
export * from './request-auth.js';
export * from './sse.js';
export * from './transactions.js';
export * from './vault/index.js';
export * from './verify.js';
