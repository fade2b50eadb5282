/**
 * Intake of network messages for the current height: check the sender's right to send it,
 * verify the signature once (an identical copy is recognized and dropped unverified), keep
 * one vote per validator per (round, type), and report a conflicting second one.
 */

import type { JsonValue } from '../core/canonical.js';
import type { CommitCertificate } from '../ledger/block.js';
import { verifyCommitCertificate } from '../ledger/commit.js';
import type { Context } from './context.js';
import { signerOf, verifyMessage } from './messages.js';
import { decide } from './rules.js';
import { roundLog } from './state.js';
import type { ConsensusMessage, Equivocation, Proposal, Vote } from './types.js';
import { proposerOf } from './validators.js';
import { addVote, holdsVote, PROPOSALS_PER_ROUND_MAX } from './vote-set.js';

function reject(context: Context, from: string | undefined, reason: string): void {
  context.actions.push(
    from === undefined
      ? { type: 'invalidMessage', reason }
      : { type: 'invalidMessage', from, reason },
  );
}

function report(context: Context, first: ConsensusMessage, second: ConsensusMessage): void {
  const validator = signerOf(second);
  const key = `${validator}/${second.round}/${second.type}`;
  if (context.height.reported.has(key)) {
    return;
  }
  context.height.reported.add(key);
  const kind = second.type === 'proposal' ? 'duplicateProposal' : 'duplicateVote';
  const evidence: Equivocation = {
    kind,
    validator,
    height: second.height,
    round: second.round,
    first,
    second,
  };
  context.actions.push({ type: 'evidence', evidence });
}

function verified(context: Context, message: ConsensusMessage, from?: string): boolean {
  const { crypto } = context.deps;
  if (!verifyMessage(crypto, context.config.chainId, message)) {
    reject(context, from, `bad signature from ${signerOf(message)}`);
    return false;
  }
  return true;
}

/** ⟨PROPOSAL, h_p, r, v, vr⟩: accepted only from proposer(h_p, r), with id(v) checked. */
export function receiveProposal(context: Context, proposal: Proposal, from?: string): void {
  const state = context.height;
  if (proposal.proposer !== proposerOf(state.table, state.height, proposal.round)) {
    reject(context, from, 'proposal from a validator that is not the round proposer');
    return;
  }
  const log = roundLog(state, proposal.round);
  if (log.proposals.some((held) => held.signature === proposal.signature)) {
    return;
  }
  if (!verified(context, proposal, from)) {
    return;
  }
  if (context.deps.valueId(proposal.block) !== proposal.blockHash) {
    reject(context, from, 'proposal blockHash is not the hash of its block');
    return;
  }
  const first = log.proposals[0];
  if (first !== undefined) {
    report(context, first, proposal);
    if (log.proposals.length >= PROPOSALS_PER_ROUND_MAX) {
      return;
    }
  }
  log.proposals.push(proposal);
  log.senders.add(proposal.proposer);
  noteBlock(context, proposal.blockHash, proposal.block);
}

/** Remembers a proposed block and asks the application for valid(v) the first time. */
function noteBlock(context: Context, blockHash: string, block: JsonValue): void {
  const state = context.height;
  if (!state.blocks.has(blockHash)) {
    state.blocks.set(blockHash, block);
  }
  if (!state.validity.has(blockHash)) {
    state.validity.set(blockHash, 'pending');
    const height = state.height;
    context.actions.push({ type: 'validateProposal', height, blockHash, block });
  }
}

/** ⟨PREVOTE|PRECOMMIT, h_p, r, id⟩ from a member of the validator set. */
export function receiveVote(context: Context, vote: Vote, from?: string): void {
  const state = context.height;
  if (!state.table.byKey.has(vote.validator)) {
    reject(context, from, 'vote from a key outside the validator set');
    return;
  }
  const log = roundLog(state, vote.round);
  if (holdsVote(log, vote) || !verified(context, vote, from)) {
    return;
  }
  const added = addVote(log, vote);
  if (added.kind === 'conflict') {
    report(context, added.existing, vote);
  }
}

/**
 * Catch-up: a block with a certificate that verifies against this height's validator set
 * is decided, whatever our own rounds saw. More than two thirds precommitted it, so no
 * other block can be certified at this height (Lemma: agreement).
 */
export function receiveCertifiedBlock(
  context: Context,
  params: { block: JsonValue; certificate: CommitCertificate; from?: string },
): void {
  const state = context.height;
  const { certificate, block, from } = params;
  if (context.deps.valueId(block) !== certificate.blockHash) {
    reject(context, from, 'certified block does not hash to the certificate blockHash');
    return;
  }
  const check = verifyCommitCertificate(context.deps.crypto, {
    chainId: context.config.chainId,
    certificate,
    validators: state.table.validators,
  });
  if (!check.ok) {
    reject(context, from, `certificate: ${check.reason}`);
    return;
  }
  decide(context, { block, certificate });
}
