/**
 * One simulated validator: the consensus engine plus the driver that a real node also has
 * to be. It shows the driver's obligations in their simplest form:
 *   - execute actions in order, across steps; the first action after a persist waits for
 *     the fsync, and so does everything queued behind it;
 *   - timers and application answers come back as events, tagged with the incarnation so a
 *     crash discards them;
 *   - a commit is applied and stored before startHeight(h + 1) is sent;
 *   - a restart checks the WAL, replays it (restore), then starts the next height.
 */

import { ConsensusEngine } from '../../protocol/consensus/engine.js';
import { decodeConsensusMessage } from '../../protocol/consensus/messages.js';
import type {
  ConsensusAction,
  ConsensusConfig,
  ConsensusEvent,
  ConsensusMessage,
} from '../../protocol/consensus/types.js';
import {
  checkWalBeforeStart,
  walRecordHeight,
  walRecordsToReplay,
} from '../../protocol/consensus/wal.js';
import type { Validator } from '../../protocol/contracts/engine/types.js';
import type { JsonValue } from '../../protocol/core/canonical.js';
import type { Crypto, Signer } from '../../protocol/core/crypto.js';
import type { CommitCertificate } from '../../protocol/ledger/block.js';
import { SimApplication, type SimBlock, simBlockHash } from './app.js';
import { SimDisk } from './disk.js';
import type { Prng } from './prng.js';
import type { Scheduler } from './scheduler.js';

/** A block is proposed at once when this many transactions wait... */
const BATCH_TRANSACTIONS_MIN = 8;
/** ...and otherwise after this long. */
const BATCH_WAIT_MS = 20;

export type Packet =
  | { kind: 'consensus'; message: ConsensusMessage }
  | { kind: 'syncRequest'; height: number }
  | { kind: 'syncResponse'; block: JsonValue; certificate: CommitCertificate };

export interface StoredBlock {
  height: number;
  hash: string;
  block: SimBlock;
  certificate: CommitCertificate;
}

/** A replica's misbehaviour, applied around an honest engine (never inside it). */
export interface Behaviour {
  readonly classes: readonly string[];
  /** Our own broadcast, turned into per-peer sends (possibly altered or withheld). */
  outgoing(
    message: ConsensusMessage,
    peers: readonly number[],
  ): Array<{ to: number; text: string }>;
  /** The block our application built, possibly made invalid. */
  build?(block: SimBlock, app: SimApplication): SimBlock;
  /** Every message we receive (kept for replays). */
  observe?(message: ConsensusMessage): void;
  /** Extra traffic on each rebroadcast tick: replays and forgeries. */
  tick?(peers: readonly number[]): Array<{ to: number; text: string }>;
}

export interface ReplicaHost {
  scheduler: Scheduler;
  crypto: Crypto;
  config: ConsensusConfig;
  directory: readonly string[];
  genesis: readonly Validator[];
  fsyncMs: number;
  appDelayMs: number;
  nodeCount: number;
  send(from: number, to: number, text: string): void;
  onCommit(replica: SimReplica, stored: StoredBlock, validators: Validator[]): void;
  onAction(replica: SimReplica, action: ConsensusAction): void;
  onRestart(replica: SimReplica, refused: string | undefined): void;
}

export class SimReplica {
  up = false;
  incarnation = 0;
  refused: string | undefined;
  engine: ConsensusEngine | undefined;
  readonly disk = new SimDisk();
  readonly store: StoredBlock[] = [];
  app: SimApplication;
  readonly mempool = new Set<string>();
  private outbox: ConsensusAction[] = [];
  private syncing = false;

  constructor(
    readonly index: number,
    readonly key: string,
    private readonly signer: Signer,
    private readonly host: ReplicaHost,
    readonly options: { prng: Prng; drift: number; offsetMs: number; behaviour?: Behaviour },
  ) {
    this.app = this.freshApp();
  }

  get height(): number {
    return this.store.length;
  }

  get honest(): boolean {
    return this.options.behaviour === undefined;
  }

  private freshApp(): SimApplication {
    return new SimApplication(this.host.crypto, this.host.directory, this.host.genesis);
  }

  /** First start and every restart: the WAL check, then restore, then the next height. */
  boot(): void {
    const committedHeight = this.height;
    const records = this.disk.read();
    const check = checkWalBeforeStart({ committedHeight, records });
    if (!check.ok) {
      this.refused = check.reason;
      this.host.onRestart(this, check.reason);
      return;
    }
    this.app = this.freshApp();
    for (const stored of this.store) {
      this.app.apply(stored.block, stored.hash);
    }
    const { crypto, config } = this.host;
    this.engine = new ConsensusEngine(config, {
      crypto,
      signer: this.signer,
      valueId: (block) => simBlockHash(crypto, block),
    });
    this.up = true;
    this.incarnation++;
    this.outbox = [];
    this.syncing = false;
    this.host.onRestart(this, undefined);
    const replay = walRecordsToReplay({ committedHeight, records });
    this.step({ type: 'restore', records: replay });
    const height = committedHeight + 1;
    this.step({ type: 'startHeight', height, validators: this.app.validatorsFor(height) });
  }

  crash(): void {
    this.up = false;
    this.engine = undefined;
    this.outbox = [];
    this.syncing = false;
    this.incarnation++;
    this.disk.crash(this.options.prng);
  }

  step(event: ConsensusEvent): void {
    if (!this.up || this.engine === undefined) {
      return;
    }
    this.outbox.push(...this.engine.step(event));
    this.pump();
  }

  /** Runs `event` later, unless this incarnation has crashed by then. */
  private later(delayMs: number, event: () => ConsensusEvent): void {
    const incarnation = this.incarnation;
    this.host.scheduler.after(delayMs, () => {
      if (this.up && this.incarnation === incarnation) {
        this.step(event());
      }
    });
  }

  /** Executes queued actions in order; a persist holds back everything after it until synced. */
  private pump(): void {
    while (this.outbox.length > 0 && !this.syncing) {
      const action = this.outbox[0]!;
      if (action.type === 'persist') {
        this.outbox.shift();
        this.disk.append(action.record);
        continue;
      }
      if (this.disk.dirty) {
        this.syncing = true;
        const incarnation = this.incarnation;
        this.host.scheduler.after(this.host.fsyncMs, () => {
          if (this.up && this.incarnation === incarnation) {
            this.disk.sync();
            this.syncing = false;
            this.pump();
          }
        });
        return;
      }
      this.outbox.shift();
      this.execute(action);
    }
  }

  private peers(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.host.nodeCount; i++) {
      if (i !== this.index) {
        out.push(i);
      }
    }
    return out;
  }

  private broadcast(message: ConsensusMessage): void {
    const behaviour = this.options.behaviour;
    if (behaviour !== undefined) {
      for (const { to, text } of behaviour.outgoing(message, this.peers())) {
        this.host.send(this.index, to, text);
      }
      return;
    }
    const text = JSON.stringify({ kind: 'consensus', message } satisfies Packet);
    for (const to of this.peers()) {
      this.host.send(this.index, to, text);
    }
  }

  private execute(action: ConsensusAction): void {
    this.host.onAction(this, action);
    switch (action.type) {
      case 'broadcast':
        this.broadcast(action.message);
        return;
      case 'scheduleTimeout': {
        const { kind, height, round } = action;
        this.later(Math.round(action.durationMs * this.options.drift), () => ({
          type: 'timeout',
          kind,
          height,
          round,
        }));
        if (kind === 'rebroadcast') {
          this.byzantineTick();
        }
        return;
      }
      case 'buildProposal':
        this.buildProposal(action.height, action.round);
        return;
      case 'validateProposal': {
        const reason = this.app.validate(action.block);
        const { height, blockHash } = action;
        this.later(this.host.appDelayMs, () => ({
          type: 'validation',
          height,
          blockHash,
          valid: reason === undefined,
        }));
        return;
      }
      case 'commit':
        this.commit(action);
        return;
      case 'requestCertifiedBlock': {
        const text = JSON.stringify({ kind: 'syncRequest', height: action.height });
        for (const to of this.peers()) {
          this.host.send(this.index, to, text);
        }
        return;
      }
      case 'peerBehind':
        this.answerSync(Number(action.from.replace('node-', '')), action.height);
        return;
      default:
        return; // evidence and invalid messages: the host's onAction saw them
    }
  }

  /**
   * Batching by size and time: a full batch is proposed at once, a short one after a wait
   * for more transactions (which must stay well under timeoutPropose).
   */
  private buildProposal(height: number, round: number): void {
    if (this.mempool.size >= BATCH_TRANSACTIONS_MIN) {
      this.buildNow(height, round, this.host.appDelayMs);
      return;
    }
    const incarnation = this.incarnation;
    this.host.scheduler.after(BATCH_WAIT_MS, () => {
      if (this.up && this.incarnation === incarnation) {
        this.buildNow(height, round, this.host.appDelayMs);
      }
    });
  }

  private buildNow(height: number, round: number, delayMs: number): void {
    const timeMs = this.host.scheduler.now * this.options.drift + this.options.offsetMs;
    let block = this.app.build({ proposer: this.key, timeMs, pending: [...this.mempool] });
    const behaviour = this.options.behaviour;
    if (behaviour?.build !== undefined) {
      block = behaviour.build(block, this.app);
    }
    const value = block as unknown as JsonValue;
    this.later(delayMs, () => ({
      type: 'proposalValue',
      height,
      round,
      block: value,
    }));
  }

  private commit(action: Extract<ConsensusAction, { type: 'commit' }>): void {
    const block = action.block as unknown as SimBlock;
    const validators = this.app.validatorsFor(action.height);
    const stored = {
      height: action.height,
      hash: action.blockHash,
      block,
      certificate: action.certificate,
    };
    this.host.onCommit(this, stored, validators);
    this.store.push(stored);
    this.app.apply(block, action.blockHash);
    for (const id of block.transactions) {
      this.mempool.delete(id);
    }
    this.disk.prune(action.height, walRecordHeight);
    const next = action.height + 1;
    this.later(Math.max(1, this.host.appDelayMs), () => ({
      type: 'startHeight',
      height: next,
      validators: this.app.validatorsFor(next),
    }));
  }

  private byzantineTick(): void {
    const tick = this.options.behaviour?.tick;
    if (tick !== undefined) {
      for (const { to, text } of tick(this.peers())) {
        this.host.send(this.index, to, text);
      }
    }
  }

  submit(id: string): void {
    if (this.up && !this.app.applied.has(id) && !id.startsWith('bad-')) {
      this.mempool.add(id);
    }
  }

  /** Bytes from the network. Nothing a peer sends may throw here. */
  deliver(from: number, text: string): void {
    if (!this.up) {
      return;
    }
    let packet: unknown;
    try {
      packet = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof packet !== 'object' || packet === null) {
      return;
    }
    const kind = (packet as { kind?: unknown }).kind;
    if (kind === 'consensus') {
      this.receiveConsensus(from, (packet as { message?: unknown }).message);
    } else if (kind === 'syncRequest') {
      this.answerSync(from, (packet as { height?: unknown }).height);
    } else if (kind === 'syncResponse') {
      const { block, certificate } = packet as { block: JsonValue; certificate: CommitCertificate };
      if (typeof certificate === 'object' && certificate !== null && block !== undefined) {
        this.step({ type: 'certifiedBlock', block, certificate, from: `node-${from}` });
      }
    }
  }

  private receiveConsensus(from: number, value: unknown): void {
    const decoded = decodeConsensusMessage(value);
    if (!decoded.ok) {
      this.host.onAction(this, {
        type: 'invalidMessage',
        from: `node-${from}`,
        reason: decoded.message,
      });
      return;
    }
    this.options.behaviour?.observe?.(decoded.value);
    this.step({ type: 'message', message: decoded.value, from: `node-${from}` });
  }

  private answerSync(from: number, height: unknown): void {
    if (typeof height !== 'number' || !Number.isSafeInteger(height) || height < 1) {
      return;
    }
    const stored = this.store[height - 1];
    if (stored !== undefined) {
      const packet: Packet = {
        kind: 'syncResponse',
        block: stored.block as unknown as JsonValue,
        certificate: stored.certificate,
      };
      this.host.send(this.index, from, JSON.stringify(packet));
    }
  }
}
