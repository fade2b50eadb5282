/**
 * The genesis hash: what operators compare before starting a network, and the previous
 * hash of block 1. Domain-tagged so no other structure can share it.
 */
import type { JsonValue } from '../core/canonical.js';
import type { Crypto } from '../core/crypto.js';
import { type Hash, hashOf } from '../core/hash.js';
import type { Genesis } from './types.js';

/** SHA-256 of "medchain:genesis:v1\n" followed by the RFC 8785 JSON of the genesis file. */
export function genesisHash(crypto: Crypto, genesis: Genesis): Hash {
  return hashOf(crypto, 'genesis', genesis as unknown as JsonValue);
}
