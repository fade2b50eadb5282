/**
 * The medchain engine: the contract engine with every built-in module. This is the
 * EngineFactory the node runtime calls; new modules are added to the list here.
 */
import type { Crypto } from '../../core/crypto.js';
import { consentModule } from '../consent/module.js';
import { identityModule } from '../identity/module.js';
import { signerStatus } from '../identity/state.js';
import { validatorsAt } from '../identity/validator-set.js';
import { createRecordsModule } from '../records/module.js';
import { createContractEngine } from './engine.js';
import type { ContractEngine, EngineFactory } from './types.js';

export const createEngine: EngineFactory = (crypto: Crypto): ContractEngine =>
  createContractEngine(crypto, {
    modules: [identityModule, createRecordsModule(crypto), consentModule],
    signers: signerStatus,
    validators: validatorsAt,
  });
