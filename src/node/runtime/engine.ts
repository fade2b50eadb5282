/**
 * The contract engine with every module this release ships. One place, so the node, the
 * offline audit and tests all execute the same contracts.
 */
import type { ContractEngine } from '../../protocol/contracts/engine/types.js';
import { createMedchainEngine } from '../../protocol/contracts/index.js';
import type { Crypto } from '../../protocol/core/crypto.js';

export function createEngine(crypto: Crypto): ContractEngine {
  return createMedchainEngine(crypto);
}
