/**
 * Entry point of the contracts layer for the node runtime: the engine with every built-in
 * module, plus the engine's types and the identity module's state shapes.
 */
export { createEngine as createMedchainEngine } from './engine/create-engine.js';
export { createContractEngine, ENGINE_LIMITS, type EngineOptions } from './engine/engine.js';
export { ENGINE_PARAMS_KEY, nonceKey } from './engine/keys.js';
export { MemoryState } from './engine/memory-state.js';
export { ENGINE_RESULTS, type ResultCode } from './engine/result-codes.js';
export type * from './engine/types.js';
export { IDENTITY_RESULTS } from './identity/results.js';
export type * from './identity/types.js';
