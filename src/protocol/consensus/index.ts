/** The consensus engine's public surface (docs/spec/consensus.md). */
export type { ConsensusDependencies } from './context.js';
export { ConsensusEngine, REBROADCAST_ROUNDS } from './engine.js';
export * from './messages.js';
export type { EngineState, HeightState } from './state.js';
export * from './types.js';
export { isOneThird, isQuorum, type PowerTable, powerTable, proposerOf } from './validators.js';
export * from './wal.js';
