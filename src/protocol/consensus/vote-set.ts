/**
 * The message log of one round: proposals from the round's proposer and at most one vote per
 * validator per type. A second, different vote is not counted; it is returned so the engine
 * can report the equivocation. Tallies are by power.
 */

import type { Proposal, Vote, VoteType } from './types.js';
import type { PowerTable } from './validators.js';

/** A proposer that equivocates gets two proposals kept per round; more are dropped. */
export const PROPOSALS_PER_ROUND_MAX = 2;

export interface RoundLog {
  proposals: Proposal[];
  prevotes: Map<string, Vote>;
  precommits: Map<string, Vote>;
  /** Validators that sent anything in this round (the paper's line 55 counts them). */
  senders: Set<string>;
}

export function emptyRoundLog(): RoundLog {
  return { proposals: [], prevotes: new Map(), precommits: new Map(), senders: new Set() };
}

export type AddResult =
  | { kind: 'added' }
  | { kind: 'duplicate' }
  | { kind: 'conflict'; existing: Vote };

export function votesOf(log: RoundLog, type: VoteType): Map<string, Vote> {
  return type === 'prevote' ? log.prevotes : log.precommits;
}

/** The caller has verified the signature and the validator's membership. */
export function addVote(log: RoundLog, vote: Vote): AddResult {
  const votes = votesOf(log, vote.type);
  const existing = votes.get(vote.validator);
  if (existing !== undefined) {
    if (existing.blockHash === vote.blockHash) {
      return { kind: 'duplicate' };
    }
    return { kind: 'conflict', existing };
  }
  votes.set(vote.validator, vote);
  log.senders.add(vote.validator);
  return { kind: 'added' };
}

/** Whether an identical vote (same signature) is already held: then skip verifying it. */
export function holdsVote(log: RoundLog, vote: Vote): boolean {
  return votesOf(log, vote.type).get(vote.validator)?.signature === vote.signature;
}

export function findProposal(log: RoundLog, blockHash: string): Proposal | undefined {
  return log.proposals.find((proposal) => proposal.blockHash === blockHash);
}

/** Power of the votes for `blockHash` (null counts nil votes). */
export function powerFor(
  table: PowerTable,
  votes: ReadonlyMap<string, Vote>,
  blockHash: string | null,
): number {
  let power = 0;
  for (const vote of votes.values()) {
    if (vote.blockHash === blockHash) {
      power += table.byKey.get(vote.validator) ?? 0;
    }
  }
  return power;
}

/** Power of all votes, whatever they are for (the paper's ∗). */
export function powerAny(table: PowerTable, votes: ReadonlyMap<string, Vote>): number {
  let power = 0;
  for (const vote of votes.values()) {
    power += table.byKey.get(vote.validator) ?? 0;
  }
  return power;
}

export function powerOfSenders(table: PowerTable, senders: ReadonlySet<string>): number {
  let power = 0;
  for (const sender of senders) {
    power += table.byKey.get(sender) ?? 0;
  }
  return power;
}

/** Block hashes that some vote of this type names, in first-seen order. */
export function votedHashes(votes: ReadonlyMap<string, Vote>): string[] {
  const out: string[] = [];
  for (const vote of votes.values()) {
    if (vote.blockHash !== null && !out.includes(vote.blockHash)) {
      out.push(vote.blockHash);
    }
  }
  return out;
}
