/**
 * Restart from the write-ahead log. Our own signed messages of the height come back into
 * the log and the `signed` map (so nothing different is ever signed for the same height,
 * round and type), and round_p, step_p and the lock are rebuilt from them: a precommit for
 * a block at round r is exactly when lines 38-39 set lockedValue and lockedRound, so the
 * highest such precommit is the lock. Forgetting a lock could let this validator help a
 * conflicting block to a polka; remembering it keeps Lemma 1's argument intact.
 */
import { assert } from '../core/assert.js';
import { type Context, deliverOwn, schedule } from './context.js';
import { startRound } from './rules.js';
import { signedKey } from './state.js';
import type { ConsensusMessage, Step, WalRecord } from './types.js';

function restoreMessage(context: Context, record: Extract<WalRecord, { type: 'signed' }>): void {
  const state = context.height;
  const { message } = record;
  const key = signedKey(message.round, message.type);
  const held = state.signed.get(key);
  assert(
    held === undefined || held.signature === message.signature,
    'consensus: the WAL holds two different messages for one (height, round, type)',
  );
  state.signed.set(key, message);
  if (message.type === 'proposal') {
    state.blocks.set(message.blockHash, message.block);
    state.validity.set(message.blockHash, 'valid');
  } else if (record.block !== undefined && message.blockHash !== null) {
    state.blocks.set(message.blockHash, record.block);
    state.validity.set(message.blockHash, 'valid');
  }
  deliverOwn(context, message);
}

function stepAfter(context: Context, round: number): Step {
  const signed = context.height.signed;
  if (signed.has(signedKey(round, 'precommit'))) {
    return 'precommit';
  }
  return signed.has(signedKey(round, 'prevote')) ? 'prevote' : 'propose';
}

function restoreLock(context: Context): void {
  const state = context.height;
  let lock: ConsensusMessage | undefined;
  for (const message of state.signed.values()) {
    const isBlockPrecommit = message.type === 'precommit' && message.blockHash !== null;
    if (isBlockPrecommit && (lock === undefined || message.round > lock.round)) {
      lock = message;
    }
  }
  if (lock === undefined || lock.blockHash === null || lock.round <= state.lockedRound) {
    return;
  }
  state.lockedValue = lock.blockHash;
  state.lockedRound = lock.round;
  if (state.blocks.has(lock.blockHash) && lock.round > state.validRound) {
    state.validValue = lock.blockHash;
    state.validRound = lock.round;
  }
}

/**
 * Replays the records of the current height and returns the highest restored round (-1 if
 * none); the caller starts round 0 when nothing was restored, then runs the upon rules.
 */
export function restoreHeight(context: Context, records: readonly WalRecord[]): number {
  const state = context.height;
  let round = -1;
  for (const record of records) {
    if (record.type === 'signed') {
      assert(record.message.height === state.height, 'consensus: restoring another height');
      restoreMessage(context, record);
      round = Math.max(round, record.message.round);
    }
  }
  restoreLock(context);
  if (round < 0 || round < state.round) {
    return round;
  }
  const step = stepAfter(context, round);
  if (step === 'propose') {
    startRound(context, round); // re-sends a restored proposal instead of building another
    return round;
  }
  state.round = round;
  state.step = step;
  // Timeouts only ever cost liveness, never safety, so re-arming the step's one is safe.
  schedule(context, step === 'prevote' ? 'prevote' : 'precommit', round);
  for (const message of state.signed.values()) {
    if (message.round === round) {
      context.actions.push({ type: 'broadcast', message });
    }
  }
  return round;
}
