/**
 * The "upon" rules of Algorithm 1 (Buchman, Kwon, Milosevic 2018), one function per rule,
 * named by the paper's line numbers. `evaluate` runs them until none fires, which is how
 * the paper's "executed atomically whenever its condition holds" becomes a step function.
 * Read each function beside the pseudocode in docs/spec/consensus.md.
 */
import { assert } from '../core/assert.js';
import type { JsonValue } from '../core/canonical.js';
import type { CommitCertificate } from '../ledger/block.js';
import { type Context, deliverOwn, schedule, signOnce } from './context.js';
import { signProposal, signVote } from './messages.js';
import { roundLog, signedKey } from './state.js';
import type { Proposal, Vote } from './types.js';
import { isOneThird, isQuorum, proposerOf } from './validators.js';
import { powerAny, powerFor, powerOfSenders, votedHashes, votesFor } from './vote-set.js';

/** A rule fires at most once per change; this bounds a buggy loop instead of hanging. */
const EVALUATE_ITERATIONS_MAX = 10_000;

/** Lines 11-21: StartRound(round). */
export function startRound(context: Context, round: number): void {
  const state = context.height;
  assert(round >= state.round || state.rounds.size === 0, 'consensus: rounds never go back');
  state.round = round; // line 12
  state.step = 'propose'; // line 13
  if (proposerOf(state.table, state.height, round) === context.self) {
    if (state.validValue !== null) {
      // Lines 15-16: re-propose the value a polka was seen for.
      const block = state.blocks.get(state.validValue);
      assert(block !== undefined, 'consensus: validValue is a known block');
      propose(context, { block, blockHash: state.validValue, validRound: state.validRound });
    } else {
      const own = state.signed.get(signedKey(round, 'proposal'));
      if (own === undefined) {
        // Line 18: getValue() is the application's; it answers with a proposalValue event.
        context.actions.push({ type: 'buildProposal', height: state.height, round });
      } else {
        // Restored from the WAL: send the proposal we signed before the crash, never another.
        context.actions.push({ type: 'broadcast', message: own });
      }
    }
  }
  // Line 21. The proposer schedules it too: its application may never answer.
  schedule(context, 'propose', round);
}

/** Line 19: broadcast ⟨PROPOSAL, h_p, round_p, proposal, validRound_p⟩ (once per round). */
export function propose(
  context: Context,
  params: { block: JsonValue; blockHash: string; validRound: number },
): void {
  const state = context.height;
  const { chainId } = context.config;
  const proposal = signOnce(context, { round: state.round, type: 'proposal' }, () =>
    signProposal(context.deps.signer, chainId, {
      height: state.height,
      round: state.round,
      validRound: params.validRound,
      block: params.block,
      blockHash: params.blockHash,
    }),
  );
  if (proposal === undefined) {
    return;
  }
  state.blocks.set(proposal.blockHash, proposal.block);
  state.validity.set(proposal.blockHash, 'valid');
  deliverOwn(context, proposal);
}

function castVote(context: Context, type: Vote['type'], blockHash: string | null): void {
  const state = context.height;
  const { chainId } = context.config;
  const block = blockHash === null || type === 'prevote' ? undefined : state.blocks.get(blockHash);
  const params =
    block === undefined ? { round: state.round, type } : { round: state.round, type, block };
  const vote = signOnce(context, params, () =>
    signVote(context.deps.signer, chainId, {
      type,
      height: state.height,
      round: state.round,
      blockHash,
    }),
  );
  if (vote !== undefined) {
    deliverOwn(context, vote);
  }
}

function firstTime(context: Context, rule: string, round: number): boolean {
  const key = `${rule}/${round}`;
  if (context.height.fired.has(key)) {
    return false;
  }
  context.height.fired.add(key);
  return true;
}

/** The lock check of lines 23 and 29; the canary skips it to prove the checkers see it. */
function lockAllows(context: Context, blockHash: string, validRound: number): boolean {
  const state = context.height;
  if (context.config.canary === 'skip-lock-check') {
    return true;
  }
  return state.lockedRound <= validRound || state.lockedValue === blockHash;
}

/**
 * Lines 22-27 (validRound = -1) and 28-33 (validRound = vr with a polka at vr): the first
 * proposal of the round whose validity is known decides our prevote.
 */
function rule22And28(context: Context): boolean {
  const state = context.height;
  if (state.step !== 'propose') {
    return false;
  }
  for (const proposal of roundLog(state, state.round).proposals) {
    const validity = state.validity.get(proposal.blockHash);
    if (validity === undefined || validity === 'pending') {
      continue;
    }
    const vr = proposal.validRound;
    if (vr >= 0) {
      const polka = powerFor(state.table, roundLog(state, vr), {
        type: 'prevote',
        blockHash: proposal.blockHash,
      });
      if (vr >= state.round || !isQuorum(state.table, polka)) {
        continue;
      }
    }
    const good = validity === 'valid' && lockAllows(context, proposal.blockHash, vr);
    castVote(context, 'prevote', good ? proposal.blockHash : null); // lines 24/26, 30/32
    state.step = 'prevote'; // lines 27, 33
    return true;
  }
  return false;
}

/** Lines 34-35: 2f + 1 prevotes for anything, for the first time → timeoutPrevote. */
function rule34(context: Context): boolean {
  const state = context.height;
  if (state.step !== 'prevote') {
    return false;
  }
  const any = powerAny(state.table, roundLog(state, state.round).prevotes);
  if (!isQuorum(state.table, any) || !firstTime(context, '34', state.round)) {
    return false;
  }
  schedule(context, 'prevote', state.round);
  return true;
}

function proposalWithPolka(context: Context): Proposal | undefined {
  const state = context.height;
  const log = roundLog(state, state.round);
  return log.proposals.find(
    (proposal) =>
      state.validity.get(proposal.blockHash) === 'valid' &&
      isQuorum(
        state.table,
        powerFor(state.table, log, { type: 'prevote', blockHash: proposal.blockHash }),
      ),
  );
}

/** Lines 36-43: a valid proposal with a polka in this round: lock on it and precommit. */
function rule36(context: Context): boolean {
  const state = context.height;
  if (state.step === 'propose') {
    return false;
  }
  const proposal = proposalWithPolka(context);
  if (proposal === undefined || !firstTime(context, '36', state.round)) {
    return false;
  }
  if (state.step === 'prevote') {
    state.lockedValue = proposal.blockHash; // line 38
    state.lockedRound = state.round; // line 39
    castVote(context, 'precommit', proposal.blockHash); // line 40
    state.step = 'precommit'; // line 41
  }
  state.validValue = proposal.blockHash; // line 42
  state.validRound = state.round; // line 43
  return true;
}

/** Lines 44-46: 2f + 1 prevotes for nil → precommit nil. */
function rule44(context: Context): boolean {
  const state = context.height;
  if (state.step !== 'prevote') {
    return false;
  }
  const log = roundLog(state, state.round);
  const nil = powerFor(state.table, log, { type: 'prevote', blockHash: null });
  if (!isQuorum(state.table, nil)) {
    return false;
  }
  castVote(context, 'precommit', null); // line 45
  state.step = 'precommit'; // line 46
  return true;
}

/** Lines 47-48: 2f + 1 precommits for anything, for the first time → timeoutPrecommit. */
function rule47(context: Context): boolean {
  const state = context.height;
  const any = powerAny(state.table, roundLog(state, state.round).precommits);
  if (!isQuorum(state.table, any) || !firstTime(context, '47', state.round)) {
    return false;
  }
  schedule(context, 'precommit', state.round);
  return true;
}

/** Lines 55-56: f + 1 validators speak in a higher round → join it. */
function rule55(context: Context): boolean {
  const state = context.height;
  let target = -1;
  for (const [round, log] of state.rounds) {
    if (round > state.round && round > target) {
      if (isOneThird(state.table, powerOfSenders(state.table, log.senders))) {
        target = round;
      }
    }
  }
  if (target < 0) {
    return false;
  }
  startRound(context, target);
  return true;
}

/** The precommits for `blockHash` in `round`, as the certificate of ledger/block.ts. */
export function certificateOf(
  context: Context,
  params: { round: number; blockHash: string },
): CommitCertificate {
  const state = context.height;
  const signatures = votesFor(roundLog(state, params.round), 'precommit', params.blockHash)
    .map((vote) => ({ validator: vote.validator, signature: vote.signature }))
    .sort((a, b) => (a.validator < b.validator ? -1 : a.validator > b.validator ? 1 : 0));
  return { height: state.height, round: params.round, blockHash: params.blockHash, signatures };
}

/** Emits the decision. The application answers with startHeight(h + 1) (lines 52-54). */
export function decide(
  context: Context,
  params: { block: JsonValue; certificate: CommitCertificate },
): void {
  const state = context.height;
  assert(!state.decided, 'consensus: a height is decided once');
  state.decided = true; // line 51
  context.actions.push({
    type: 'commit',
    height: state.height,
    block: params.block,
    blockHash: params.certificate.blockHash,
    certificate: params.certificate,
  });
}

/**
 * Lines 49-54: the proposal of some round r and 2f + 1 precommits for it in r → decide.
 * Without the block (its proposal was lost) we ask peers for the certified block instead.
 */
function rule49(context: Context): boolean {
  const state = context.height;
  for (const [round, log] of state.rounds) {
    for (const blockHash of votedHashes(log, 'precommit')) {
      const power = powerFor(state.table, log, { type: 'precommit', blockHash });
      if (!isQuorum(state.table, power)) {
        continue;
      }
      const block = state.blocks.get(blockHash);
      if (block === undefined) {
        requestCertifiedBlock(context);
        continue;
      }
      if (state.validity.get(blockHash) !== 'valid') {
        continue; // line 50: wait for the verdict (requested when the proposal arrived)
      }
      decide(context, { block, certificate: certificateOf(context, { round, blockHash }) });
      return true;
    }
  }
  return false;
}

export function requestCertifiedBlock(context: Context): void {
  const state = context.height;
  if (!state.syncRequested) {
    state.syncRequested = true;
    context.actions.push({ type: 'requestCertifiedBlock', height: state.height });
  }
}

const RULES = [rule49, rule55, rule22And28, rule34, rule36, rule44, rule47];

/** Runs the upon rules until none fires; stops at a decision (the height is over). */
export function evaluate(context: Context): void {
  for (let i = 0; i < EVALUATE_ITERATIONS_MAX; i++) {
    if (context.height.decided) {
      return;
    }
    if (!RULES.some((rule) => rule(context))) {
      return;
    }
  }
  assert(false, 'consensus: the upon rules did not settle');
}

/** Lines 57-60: OnTimeoutPropose. (The paper's "step = prevote" there is a known typo.) */
export function onTimeoutPropose(context: Context, round: number): void {
  const state = context.height;
  if (round === state.round && state.step === 'propose') {
    castVote(context, 'prevote', null); // line 59
    state.step = 'prevote'; // line 60
  }
}

/** Lines 61-64: OnTimeoutPrevote. */
export function onTimeoutPrevote(context: Context, round: number): void {
  const state = context.height;
  if (round === state.round && state.step === 'prevote') {
    castVote(context, 'precommit', null); // line 63
    state.step = 'precommit'; // line 64
  }
}

/** Lines 65-67: OnTimeoutPrecommit. */
export function onTimeoutPrecommit(context: Context, round: number): void {
  if (round === context.height.round) {
    startRound(context, round + 1);
  }
}
