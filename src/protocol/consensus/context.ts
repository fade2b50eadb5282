/**
 * What every transition function is handed: configuration, injected dependencies, the
 * height being decided, and the list of actions the step is producing. Also the two ways
 * the engine speaks for itself (sign once, then persist before broadcast) and timeouts.
 */
import { toHex } from '../core/bytes.js';
import type { JsonValue } from '../core/canonical.js';
import type { Crypto, Signer } from '../core/crypto.js';
import { type HeightState, roundLog, signedKey } from './state.js';
import type {
  ConsensusAction,
  ConsensusConfig,
  ConsensusMessage,
  Proposal,
  TimeoutKind,
  Vote,
} from './types.js';
import { addVote } from './vote-set.js';

export interface ConsensusDependencies {
  crypto: Crypto;
  /** Our validator key. A node outside the validator set follows without signing. */
  signer: Signer;
  /** id(v): the hash that votes name, e.g. the block header's hash. Pure. */
  valueId(block: JsonValue): string;
}

export interface Context {
  config: ConsensusConfig;
  deps: ConsensusDependencies;
  /** Our public key, hex. */
  self: string;
  height: HeightState;
  actions: ConsensusAction[];
}

export function isValidatorSelf(context: Context): boolean {
  return context.height.table.byKey.has(context.self);
}

/**
 * Signs at most one message per (height, round, type): a second request, e.g. after a WAL
 * restore, re-sends the first. The persist action precedes the broadcast (STYLE P17).
 */
export function signOnce<M extends ConsensusMessage>(
  context: Context,
  params: { round: number; type: M['type']; block?: JsonValue },
  make: () => M,
): M | undefined {
  if (!isValidatorSelf(context)) {
    return undefined;
  }
  const key = signedKey(params.round, params.type);
  const existing = context.height.signed.get(key);
  if (existing !== undefined) {
    context.actions.push({ type: 'broadcast', message: existing });
    return existing as M;
  }
  const message = make();
  context.height.signed.set(key, message);
  const record =
    params.block === undefined
      ? { type: 'signed' as const, message }
      : { type: 'signed' as const, message, block: params.block };
  context.actions.push({ type: 'persist', record });
  context.actions.push({ type: 'broadcast', message });
  return message;
}

/** Adds our own message to our log, as the paper's broadcast delivers to the sender too. */
export function deliverOwn(context: Context, message: ConsensusMessage): void {
  const log = roundLog(context.height, message.round);
  if (message.type === 'proposal') {
    if (!log.proposals.some((held) => held.signature === message.signature)) {
      log.proposals.push(message as Proposal);
      log.senders.add(message.proposer);
    }
    return;
  }
  addVote(log, message as Vote);
}

/** timeoutX(r) = base + r · delta: rounds lengthen until the network keeps up. */
export function timeoutMs(context: Context, kind: TimeoutKind, round: number): number {
  const t = context.config.timeouts;
  switch (kind) {
    case 'propose':
      return t.proposeBaseMs + round * t.proposeDeltaMs;
    case 'prevote':
      return t.prevoteBaseMs + round * t.prevoteDeltaMs;
    case 'precommit':
      return t.precommitBaseMs + round * t.precommitDeltaMs;
    case 'rebroadcast':
      return t.rebroadcastMs;
  }
}

export function schedule(context: Context, kind: TimeoutKind, round: number): void {
  const durationMs = timeoutMs(context, kind, round);
  const height = context.height.height;
  context.actions.push({ type: 'scheduleTimeout', kind, height, round, durationMs });
}

export function selfKey(signer: Signer): string {
  return toHex(signer.publicKey);
}
