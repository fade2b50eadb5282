/**
 * The consensus engine's vocabulary: signed messages, the events a driver feeds in, the
 * actions it must carry out, and the write-ahead-log records. The engine is Tendermint's
 * Algorithm 1 (docs/spec/consensus.md); everything outside this folder reaches it only
 * through ConsensusEvent and ConsensusAction.
 */
import type { Validator } from '../contracts/engine/types.js';
import type { JsonValue } from '../core/canonical.js';
import type { CommitCertificate } from '../ledger/block.js';

export type VoteType = 'prevote' | 'precommit';
export type Step = 'propose' | 'prevote' | 'precommit';
export type TimeoutKind = 'propose' | 'prevote' | 'precommit' | 'rebroadcast';

/** ⟨PREVOTE|PRECOMMIT, h, r, id(v) or nil⟩ signed by `validator` (hex public key). */
export interface Vote {
  type: VoteType;
  height: number;
  round: number;
  /** id(v), the block hash; null is the paper's nil. */
  blockHash: string | null;
  validator: string;
  signature: string;
}

/** ⟨PROPOSAL, h, r, v, vr⟩ signed by the proposer of (h, r). */
export interface Proposal {
  type: 'proposal';
  height: number;
  round: number;
  /** vr: the round of the proposer's validValue, or -1. */
  validRound: number;
  /** v: the application's block, opaque to the engine. */
  block: JsonValue;
  /** id(v) as computed by ConsensusDependencies.valueId; checked on arrival. */
  blockHash: string;
  proposer: string;
  signature: string;
}

export type ConsensusMessage = Proposal | Vote;

/** Two signed messages from one validator for the same (height, round, type). */
export interface Equivocation {
  kind: 'duplicateVote' | 'duplicateProposal';
  validator: string;
  height: number;
  round: number;
  first: ConsensusMessage;
  second: ConsensusMessage;
}

/**
 * What the driver writes to its write-ahead log. `signed` holds one of our own messages
 * (and, for a precommit of a block, the block itself, so the lock survives a crash with its
 * value); `height` marks that the engine started a height (the amnesia check reads it).
 */
export type WalRecord =
  | { type: 'height'; height: number }
  | { type: 'signed'; message: ConsensusMessage; block?: JsonValue };

export interface TimeoutConfig {
  proposeBaseMs: number;
  proposeDeltaMs: number;
  prevoteBaseMs: number;
  prevoteDeltaMs: number;
  precommitBaseMs: number;
  precommitDeltaMs: number;
  /** Period of re-sending our own messages of the height, so lost packets heal. */
  rebroadcastMs: number;
}

/**
 * Deliberately broken rules, only for proving that the simulator's checkers catch bugs.
 * Never set outside tests: each one makes the engine unsafe.
 */
export type Canary = 'quorum-one-third' | 'skip-lock-check';

export interface ConsensusConfig {
  chainId: string;
  timeouts: TimeoutConfig;
  canary?: Canary;
}

/** The validator set deciding one height, as the application reads it from state. */
export type ValidatorSet = readonly Validator[];

export type ConsensusEvent =
  /** Begin height `height` decided by `validators` (after the application committed h-1). */
  | { type: 'startHeight'; height: number; validators: ValidatorSet }
  /** Replay of the WAL after a restart; must precede any message for the same height. */
  | { type: 'restore'; records: readonly WalRecord[] }
  /** A decoded, not yet verified message from the network; `from` names the peer. */
  | { type: 'message'; message: ConsensusMessage; from?: string }
  /** The application's answer to buildProposal. */
  | { type: 'proposalValue'; height: number; round: number; block: JsonValue }
  /** The application's verdict on validateProposal: is v a valid block at this height? */
  | { type: 'validation'; height: number; blockHash: string; valid: boolean }
  /** A timer set by scheduleTimeout fired. */
  | { type: 'timeout'; kind: TimeoutKind; height: number; round: number }
  /** A block and its commit certificate fetched from a peer (catch-up). */
  | { type: 'certifiedBlock'; block: JsonValue; certificate: CommitCertificate; from?: string };

export type ConsensusAction =
  /** Append to the WAL. The driver fsyncs before executing any later action of the batch. */
  | { type: 'persist'; record: WalRecord }
  /** Send to every validator (and followers). The engine has already counted its own copy. */
  | { type: 'broadcast'; message: ConsensusMessage }
  | {
      type: 'scheduleTimeout';
      kind: TimeoutKind;
      height: number;
      round: number;
      durationMs: number;
    }
  /** Build a block for (height, round) and answer with a proposalValue event. */
  | { type: 'buildProposal'; height: number; round: number }
  /** Validate (execute) a proposed block and answer with a validation event. */
  | { type: 'validateProposal'; height: number; blockHash: string; block: JsonValue }
  /** The height is decided: apply the block, store it, then send startHeight(height + 1). */
  | {
      type: 'commit';
      height: number;
      block: JsonValue;
      blockHash: string;
      certificate: CommitCertificate;
    }
  /** We are behind at `height`: fetch a certified block from peers (certifiedBlock event). */
  | { type: 'requestCertifiedBlock'; height: number }
  /**
   * A peer sent a message of a height we have decided: it is behind. Send it the certified
   * block of that height from the block store (it may wait for our precommit forever).
   */
  | { type: 'peerBehind'; from: string; height: number }
  /** A validator signed two different things for one (height, round, type). */
  | { type: 'evidence'; evidence: Equivocation }
  /** A message failed verification; the driver may penalize the peer that relayed it. */
  | { type: 'invalidMessage'; from?: string; reason: string };
