/**
 * The consensus engine: `step(event) → actions` over plain-data state, with no clock,
 * timer, socket, disk or randomness. A driver (the node, or the simulator) turns actions
 * into I/O and I/O into events; the contract between them is docs/spec/consensus.md,
 * "Driving the engine".
 */
import { assert, unreachable } from '../core/assert.js';
import { type ConsensusDependencies, type Context, schedule, selfKey } from './context.js';
import { signerOf } from './messages.js';
import { receiveCertifiedBlock, receiveProposal, receiveVote } from './receive.js';
import { restoreHeight } from './restore.js';
import {
  evaluate,
  onTimeoutPrecommit,
  onTimeoutPrevote,
  onTimeoutPropose,
  propose,
  requestCertifiedBlock,
  startRound,
} from './rules.js';
import {
  type EngineState,
  FUTURE_MESSAGES_MAX,
  initialEngineState,
  newHeightState,
  roundLog,
} from './state.js';
import type {
  ConsensusAction,
  ConsensusConfig,
  ConsensusEvent,
  ConsensusMessage,
  ValidatorSet,
  WalRecord,
} from './types.js';
import { powerTable, proposerOf } from './validators.js';
import { votesFor } from './vote-set.js';

/** Own messages of this many rounds before the current one are re-sent on each tick. */
export const REBROADCAST_ROUNDS = 8;

export class ConsensusEngine {
  readonly state: EngineState = initialEngineState();
  readonly self: string;

  constructor(
    readonly config: ConsensusConfig,
    readonly deps: ConsensusDependencies,
  ) {
    assert(config.chainId.length > 0, 'consensus: chainId is set');
    this.self = selfKey(deps.signer);
  }

  /** Applies one event; the returned actions must be executed in order (see the spec). */
  step(event: ConsensusEvent): ConsensusAction[] {
    const actions: ConsensusAction[] = [];
    switch (event.type) {
      case 'startHeight':
        this.startHeight(actions, event.height, event.validators);
        break;
      case 'restore':
        this.restore(actions, event.records);
        break;
      case 'message':
        this.message(actions, event.message, event.from);
        break;
      case 'proposalValue':
        this.withHeight(actions, event.height, (context) => onProposalValue(context, event));
        break;
      case 'validation':
        this.withHeight(actions, event.height, (context) => {
          context.height.validity.set(event.blockHash, event.valid ? 'valid' : 'invalid');
        });
        break;
      case 'timeout':
        this.withHeight(actions, event.height, (context) => {
          onTimeout(context, event);
          if (event.kind === 'rebroadcast' && this.state.highestHeightSeen > event.height) {
            requestCertifiedBlock(context);
          }
        });
        break;
      case 'certifiedBlock':
        this.certifiedBlock(actions, event);
        break;
      default:
        unreachable(event, 'consensus: unknown event');
    }
    return actions;
  }

  private context(actions: ConsensusAction[]): Context | undefined {
    const height = this.state.current;
    if (height === undefined) {
      return undefined;
    }
    return { config: this.config, deps: this.deps, self: this.self, height, actions };
  }

  /** Runs `apply` if `height` is the undecided current height, then the upon rules. */
  private withHeight(
    actions: ConsensusAction[],
    height: number,
    apply: (context: Context) => void,
  ): void {
    const context = this.context(actions);
    if (context === undefined || context.height.height !== height || context.height.decided) {
      return;
    }
    apply(context);
    evaluate(context);
  }

  /** Line 10 for the first height; lines 52-54 for every later one. */
  private startHeight(actions: ConsensusAction[], height: number, validators: ValidatorSet): void {
    assert(height > this.state.height, 'consensus: heights only increase');
    const state = this.state;
    state.height = height;
    state.current = newHeightState(height, powerTable(validators, this.config.canary));
    const context = this.context(actions);
    assert(context !== undefined, 'consensus: height started');
    actions.push({ type: 'persist', record: { type: 'height', height } });
    schedule(context, 'rebroadcast', 0);
    const records = state.pendingRecords.filter((record) => recordHeight(record) === height);
    state.pendingRecords = state.pendingRecords.filter((record) => recordHeight(record) > height);
    if (restoreHeight(context, records) < 0) {
      startRound(context, 0);
    }
    const buffered = state.future.filter((message) => message.height === height);
    state.future = state.future.filter((message) => message.height > height);
    for (const message of buffered) {
      intake(context, message);
    }
    if (state.highestHeightSeen > height) {
      requestCertifiedBlock(context);
    }
    evaluate(context);
  }

  private restore(actions: ConsensusAction[], records: readonly WalRecord[]): void {
    for (const record of records) {
      if (record.type === 'signed') {
        assert(signerOf(record.message) === this.self, 'consensus: a WAL holds only our own');
      }
    }
    const height = this.state.height;
    const later = records.filter((record) => recordHeight(record) > height);
    this.state.pendingRecords.push(...later);
    const now = records.filter((record) => recordHeight(record) === height);
    const context = this.context(actions);
    if (context !== undefined && now.length > 0 && !context.height.decided) {
      restoreHeight(context, now);
      evaluate(context);
    }
  }

  private message(actions: ConsensusAction[], message: ConsensusMessage, from?: string): void {
    const state = this.state;
    if (message.height > state.height) {
      this.noteFuture(actions, message);
      return;
    }
    const context = this.context(actions);
    if (context !== undefined && message.height < state.height && from !== undefined) {
      helpPeer(context, from, message.height);
      return;
    }
    if (context === undefined || message.height < state.height || context.height.decided) {
      return;
    }
    intake(context, message, from);
    evaluate(context);
  }

  /**
   * A message from a later height: keep it if it is for the next one (pipelining: peers
   * that decided first are already voting there), and note that we may be behind.
   */
  private noteFuture(actions: ConsensusAction[], message: ConsensusMessage): void {
    const state = this.state;
    state.highestHeightSeen = Math.max(state.highestHeightSeen, message.height);
    if (message.height === state.height + 1 && state.future.length < FUTURE_MESSAGES_MAX) {
      state.future.push(message);
    }
    const context = this.context(actions);
    if (context !== undefined && !context.height.decided && message.height > state.height + 1) {
      requestCertifiedBlock(context);
    }
  }

  private certifiedBlock(
    actions: ConsensusAction[],
    event: Extract<ConsensusEvent, { type: 'certifiedBlock' }>,
  ): void {
    const context = this.context(actions);
    if (context === undefined || context.height.decided) {
      return;
    }
    if (event.certificate.height !== context.height.height) {
      return;
    }
    receiveCertifiedBlock(context, event);
  }
}

function recordHeight(record: WalRecord): number {
  return record.type === 'height' ? record.height : record.message.height;
}

/** Once per peer, height and rebroadcast tick: a lagging peer gets pointed at the block. */
function helpPeer(context: Context, from: string, height: number): void {
  const key = `${from}/${height}`;
  if (!context.height.helped.has(key)) {
    context.height.helped.add(key);
    context.actions.push({ type: 'peerBehind', from, height });
  }
}

function intake(context: Context, message: ConsensusMessage, from?: string): void {
  if (message.type === 'proposal') {
    receiveProposal(context, message, from);
  } else {
    receiveVote(context, message, from);
  }
}

/** Line 18 answered: getValue() returned `block` for (h_p, round). */
function onProposalValue(
  context: Context,
  event: Extract<ConsensusEvent, { type: 'proposalValue' }>,
): void {
  const state = context.height;
  const mine = proposerOf(state.table, state.height, event.round) === context.self;
  if (event.round !== state.round || !mine) {
    return;
  }
  if (state.validValue !== null) {
    return; // startRound already proposed validValue (lines 15-16)
  }
  const blockHash = context.deps.valueId(event.block);
  propose(context, { block: event.block, blockHash, validRound: -1 });
}

function onTimeout(context: Context, event: Extract<ConsensusEvent, { type: 'timeout' }>): void {
  switch (event.kind) {
    case 'propose':
      onTimeoutPropose(context, event.round);
      return;
    case 'prevote':
      onTimeoutPrevote(context, event.round);
      return;
    case 'precommit':
      onTimeoutPrecommit(context, event.round);
      return;
    case 'rebroadcast':
      onRebroadcast(context);
      return;
    default:
      unreachable(event.kind, 'consensus: unknown timeout');
  }
}

/**
 * The paper assumes gossip: a message one correct process receives, every correct process
 * eventually receives. Links lose packets and Byzantine senders split their messages, so on
 * each tick we re-send our own messages of recent rounds (same bytes, no new signature) and
 * relay the polka behind validValue (the prevotes a proposal with vr = validRound needs at
 * line 28); if peers are ahead, a certified block is requested again.
 */
function onRebroadcast(context: Context): void {
  const state = context.height;
  for (const message of state.signed.values()) {
    if (message.round >= state.round - REBROADCAST_ROUNDS) {
      context.actions.push({ type: 'broadcast', message });
    }
  }
  if (state.validValue !== null) {
    const log = roundLog(state, state.validRound);
    for (const message of votesFor(log, 'prevote', state.validValue)) {
      if (message.validator !== context.self) {
        context.actions.push({ type: 'broadcast', message });
      }
    }
  }
  state.syncRequested = false;
  state.helped.clear();
  schedule(context, 'rebroadcast', state.round);
}
