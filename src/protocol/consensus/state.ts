/**
 * The engine's state: plain data, so a test or the simulator can inspect it. Variable names
 * follow Algorithm 1's initialization (lines 1-9); per-height fields are reset by line 53.
 */
import type { JsonValue } from '../core/canonical.js';
import type { ConsensusMessage, Step, WalRecord } from './types.js';
import type { PowerTable } from './validators.js';
import { emptyRoundLog, type RoundLog } from './vote-set.js';

export type Validity = 'pending' | 'valid' | 'invalid';

export interface HeightState {
  /** h_p */
  height: number;
  table: PowerTable;
  /** round_p */
  round: number;
  /** step_p */
  step: Step;
  /** decision_p[h_p] != nil: the commit action was emitted. */
  decided: boolean;
  /** id(lockedValue_p), or null for nil. The value itself is in `blocks`. */
  lockedValue: string | null;
  lockedRound: number;
  /** id(validValue_p), or null; the value is in `blocks`. */
  validValue: string | null;
  validRound: number;
  /** The message log of this height, per round. */
  rounds: Map<number, RoundLog>;
  /** Blocks seen at this height by id: proposals, restored precommits. */
  blocks: Map<string, JsonValue>;
  /** valid(v), as the application answered (or "valid" for blocks we built). */
  validity: Map<string, Validity>;
  /** Our own signed messages by `${round}/${type}`: we never sign a second one. */
  signed: Map<string, ConsensusMessage>;
  /** Keys of the rules marked "for the first time", e.g. "34/2". */
  fired: Set<string>;
  /** Keys of equivocations already reported. */
  reported: Set<string>;
  /** Whether a certified block was requested since the last rebroadcast tick. */
  syncRequested: boolean;
  /** Peers told where to find a block they lack since the last tick, as "peer/height". */
  helped: Set<string>;
}

export interface EngineState {
  /** Highest height started; 0 before the first startHeight. */
  height: number;
  current: HeightState | undefined;
  /** Messages for the next height, held until it starts (at most FUTURE_MESSAGES_MAX). */
  future: ConsensusMessage[];
  /** WAL records for heights not started yet (a restore that ran ahead). */
  pendingRecords: WalRecord[];
  /** The highest height any message claimed: a hint that we are behind. */
  highestHeightSeen: number;
}

export const FUTURE_MESSAGES_MAX = 1024;

export function initialEngineState(): EngineState {
  return { height: 0, current: undefined, future: [], pendingRecords: [], highestHeightSeen: 0 };
}

export function newHeightState(height: number, table: PowerTable): HeightState {
  return {
    height,
    table,
    round: 0,
    step: 'propose',
    decided: false,
    lockedValue: null,
    lockedRound: -1,
    validValue: null,
    validRound: -1,
    rounds: new Map(),
    blocks: new Map(),
    validity: new Map(),
    signed: new Map(),
    fired: new Set(),
    reported: new Set(),
    syncRequested: false,
    helped: new Set(),
  };
}

export function roundLog(state: HeightState, round: number): RoundLog {
  let log = state.rounds.get(round);
  if (log === undefined) {
    log = emptyRoundLog();
    state.rounds.set(round, log);
  }
  return log;
}

export function signedKey(round: number, type: ConsensusMessage['type']): string {
  return `${round}/${type}`;
}
