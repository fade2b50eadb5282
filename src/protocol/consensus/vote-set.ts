/**
 * The message log of one round: proposals from the round's proposer and the votes, by type.
 * A validator's first vote counts for "any" (the paper's ∗); a second, different vote is
 * reported as equivocation and also kept, because the paper counts messages: "2f + 1
 * ⟨PREVOTE, h, r, id(v)⟩" holds if that many validators sent a prevote for id(v), whatever
 * else a faulty one sent. Without that, an equivocator could hide a polka from some correct
 * validators forever. Tallies are by power, each validator counted once per value.
 */

import type { Proposal, Vote, VoteType } from './types.js';
import type { PowerTable } from './validators.js';

/** A proposer that equivocates gets two proposals kept per round; more are dropped. */
export const PROPOSALS_PER_ROUND_MAX = 2;

/** Extra (conflicting) votes kept per round and type, in all. */
export const CONFLICTING_VOTES_MAX = 64;

export interface RoundLog {
  proposals: Proposal[];
  /** The first vote of each validator. */
  prevotes: Map<string, Vote>;
  precommits: Map<string, Vote>;
  /** Later votes that conflict with a validator's first one. */
  conflicting: { prevote: Vote[]; precommit: Vote[] };
  /** Validators that sent anything in this round (the paper's line 55 counts them). */
  senders: Set<string>;
}

export function emptyRoundLog(): RoundLog {
  return {
    proposals: [],
    prevotes: new Map(),
    precommits: new Map(),
    conflicting: { prevote: [], precommit: [] },
    senders: new Set(),
  };
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
  if (existing === undefined) {
    votes.set(vote.validator, vote);
    log.senders.add(vote.validator);
    return { kind: 'added' };
  }
  const extra = log.conflicting[vote.type];
  const known = (held: Vote) =>
    held.validator === vote.validator && held.blockHash === vote.blockHash;
  if (existing.blockHash === vote.blockHash || extra.some(known)) {
    return { kind: 'duplicate' };
  }
  if (extra.length < CONFLICTING_VOTES_MAX) {
    extra.push(vote);
  }
  return { kind: 'conflict', existing };
}

/** Whether an identical vote (same signature) is already held: then skip verifying it. */
export function holdsVote(log: RoundLog, vote: Vote): boolean {
  if (votesOf(log, vote.type).get(vote.validator)?.signature === vote.signature) {
    return true;
  }
  return log.conflicting[vote.type].some((held) => held.signature === vote.signature);
}

/** Every vote of this type for `blockHash`, at most one per validator. */
export function votesFor(log: RoundLog, type: VoteType, blockHash: string | null): Vote[] {
  const out: Vote[] = [];
  const seen = new Set<string>();
  for (const vote of [...votesOf(log, type).values(), ...log.conflicting[type]]) {
    if (vote.blockHash === blockHash && !seen.has(vote.validator)) {
      seen.add(vote.validator);
      out.push(vote);
    }
  }
  return out;
}

export function findProposal(log: RoundLog, blockHash: string): Proposal | undefined {
  return log.proposals.find((proposal) => proposal.blockHash === blockHash);
}

/** Power of the validators that voted for `blockHash` (null counts nil votes). */
export function powerFor(
  table: PowerTable,
  log: RoundLog,
  params: { type: VoteType; blockHash: string | null },
): number {
  let power = 0;
  for (const vote of votesFor(log, params.type, params.blockHash)) {
    power += table.byKey.get(vote.validator) ?? 0;
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
export function votedHashes(log: RoundLog, type: VoteType): string[] {
  const out: string[] = [];
  for (const vote of [...votesOf(log, type).values(), ...log.conflicting[type]]) {
    if (vote.blockHash !== null && !out.includes(vote.blockHash)) {
      out.push(vote.blockHash);
    }
  }
  return out;
}
