/**
 * The consensus driver of a real validator: it turns the pure engine's actions into I/O
 * (write-ahead log, transport, timers, block execution) and I/O back into events. It keeps
 * the contract of docs/spec/consensus.md, "Driving the engine":
 *
 *   D1  actions run in order; a persist is appended to the WAL and fdatasync'd before any
 *       later action runs (everything here is synchronous between events, so "later"
 *       includes the actions of later steps);
 *   D2  events go through one queue, drained by one loop: the engine is never re-entered;
 *   D3  timers are never cancelled (the engine ignores stale ones), only dropped at stop;
 *   D4  proposals batch the mempool by size and a short time bound (block-builder.ts);
 *   D5  validation runs on committed state, signatures on the verifier pool;
 *   D6  commit stores the block executed at validation, then starts the next height;
 *   D7  start checks the WAL (refusing amnesia), restores it, then starts the next height;
 *   D8  catch-up by certified blocks, answered from the block store (block-sync.ts). A
 *       request is answered at once; a peer merely seen behind is sent the block only if it
 *       is still behind HELP_DELAY_MS later (see `other`).
 *
 * Peers that send what does not decode, or what the engine finds invalid, are disconnected.
 */
import { ConsensusEngine } from '../../protocol/consensus/engine.js';
import type {
  ConsensusAction,
  ConsensusConfig,
  ConsensusEvent,
  ConsensusMessage,
  ValidatorSet,
} from '../../protocol/consensus/types.js';
import { checkWalBeforeStart, walRecordsToReplay } from '../../protocol/consensus/wal.js';
import type { Crypto, Signer } from '../../protocol/core/crypto.js';
import { FRAME_PAYLOAD_BYTES_MAX_DEFAULT } from '../p2p/framing.js';
import type { Transport, Unsubscribe } from '../p2p/transport.js';
import type { Logger } from '../runtime/logger.js';
import type { MedchainNode } from '../runtime/medchain-node.js';
import { BlockBuilder, type BlockBuilderOptions } from './block-builder.js';
import { BlockSync, valueId } from './block-sync.js';
import { TransactionGossip } from './gossip.js';
import { RecordJson } from './record-json.js';
import type { WalFile } from './wal-file.js';
import { decodePacket, type Packet } from './wire.js';

/**
 * How long a peer seen voting at a height we have committed gets to commit it by itself
 * before we send it the certified block. Under load most such peers are behind only while
 * they execute or store the block, with our precommits already in their queue: answering at
 * once sent every one of them a whole block (up to 3 MiB, read back from the store and
 * encoded) from each peer that saw the late vote, about 5% of a validator's CPU spent on
 * blocks that arrived stale. On two busy cores that catching up can take several hundred
 * milliseconds, so the wait is the default rebroadcast tick: a peer that really missed
 * messages and sees others ahead asks by itself within that time anyway.
 */
export const HELP_DELAY_MS = 1_000;

/** Problems that only a faulty or malicious peer's transactions produce. */
const PEER_FAULTS = new Set(['invalid_transaction', 'bad_signature', 'payload_too_large']);

export interface DriverOptions extends BlockBuilderOptions {
  consensus: ConsensusConfig;
}

export interface DriverDependencies {
  node: MedchainNode;
  crypto: Crypto;
  signer: Signer;
  transport: Transport;
  wal: WalFile;
  logger: Logger;
  /** The validator set of the next height differs from the last one: re-check peers. */
  onValidatorsChanged?: (validators: ValidatorSet) => void;
}

export class AmnesiaError extends Error {
  override name = 'AmnesiaError';
}

export class ConsensusDriver {
  private readonly engine: ConsensusEngine;
  private readonly events: ConsensusEvent[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly json = new RecordJson();
  private readonly unsubscribe: Unsubscribe[] = [];
  private readonly gossip: TransactionGossip;
  private readonly builder: BlockBuilder;
  private readonly sync: BlockSync;
  private busy = false;
  private stopped = false;
  private validatorsKey = '';
  /** Highest height each peer has sent a consensus message for: has it caught up yet? */
  private readonly peerHeights = new Map<string, number>();

  constructor(
    options: DriverOptions,
    private readonly deps: DriverDependencies,
  ) {
    const { crypto, signer } = deps;
    this.engine = new ConsensusEngine(options.consensus, {
      crypto,
      signer,
      valueId: (block) => valueId(crypto, block),
    });
    this.gossip = new TransactionGossip(deps.transport);
    this.builder = new BlockBuilder(options, deps.node, (delayMs, run) => this.after(delayMs, run));
    this.sync = new BlockSync({
      node: deps.node,
      crypto,
      chainId: options.consensus.chainId,
      transport: deps.transport,
      logger: deps.logger,
    });
  }

  /** D7: refuses a WAL that does not reach the committed height, then restores and starts. */
  start(): void {
    const { node, wal, transport } = this.deps;
    const committedHeight = node.height;
    const records = wal.read();
    const check = checkWalBeforeStart({ committedHeight, records });
    if (!check.ok) {
      throw new AmnesiaError(check.reason);
    }
    this.unsubscribe.push(transport.onMessage((peer, payload) => this.receive(peer, payload)));
    node.onAdmitted = (transaction, size, origin) => {
      if (origin.kind === 'client') {
        this.gossip.add(transaction, size);
      }
    };
    this.step({ type: 'restore', records: walRecordsToReplay({ committedHeight, records }) });
    this.startHeight(committedHeight + 1);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) {
      clearTimeout(timer);
    }
    this.timers.clear();
    for (const unsubscribe of this.unsubscribe) {
      unsubscribe();
    }
    this.deps.node.onAdmitted = undefined;
    this.gossip.stop();
    this.deps.wal.sync();
  }

  /** D2: one queue, one drain loop; a step requested while draining waits its turn. */
  private step(event: ConsensusEvent): void {
    if (this.stopped) {
      return;
    }
    this.events.push(event);
    if (this.busy) {
      return;
    }
    this.busy = true;
    try {
      for (let next = this.events.shift(); next !== undefined; next = this.events.shift()) {
        for (const action of this.engine.step(next)) {
          this.perform(action);
        }
      }
      this.deps.wal.sync();
    } finally {
      this.busy = false;
    }
  }

  /** D1: a persist is appended; any other action first makes what is appended durable. */
  private perform(action: ConsensusAction): void {
    if (action.type === 'persist') {
      this.deps.wal.append(action.record, this.json.walLine(action.record));
      return;
    }
    this.deps.wal.sync();
    if (!this.stopped) {
      this.execute(action);
    }
  }

  private execute(action: ConsensusAction): void {
    switch (action.type) {
      case 'broadcast':
        this.broadcast(action.message);
        return;
      case 'scheduleTimeout': {
        const { kind, height, round } = action;
        this.after(action.durationMs, () => this.step({ type: 'timeout', kind, height, round }));
        return;
      }
      case 'buildProposal':
        this.builder.build(action.height, (block) =>
          this.step({ type: 'proposalValue', height: action.height, round: action.round, block }),
        );
        return;
      case 'validateProposal':
        this.validate(action);
        return;
      case 'commit':
        this.commit(action);
        return;
      case 'requestCertifiedBlock':
        this.sync.request(action.height);
        return;
      case 'evidence':
        this.deps.logger.warn('equivocation seen', {
          validator: action.evidence.validator.slice(0, 16),
          height: action.evidence.height,
          round: action.evidence.round,
          kind: action.evidence.kind,
        });
        return;
      case 'invalidMessage':
        this.punish(action.from, 'invalid_message', action.reason);
        return;
      default:
        this.other(action as { type: string; from?: unknown; height?: unknown });
    }
  }

  /** Actions this driver version does not know by type; a lagging peer is helped. */
  private other(action: { type: string; from?: unknown; height?: unknown }): void {
    if (action.type === 'peerBehind' && typeof action.from === 'string') {
      const peer = action.from;
      const height = Number(action.height);
      this.after(HELP_DELAY_MS, () => {
        if ((this.peerHeights.get(peer) ?? 0) <= height) {
          this.sync.answer(peer, height);
        }
      });
    }
  }

  private validate(action: Extract<ConsensusAction, { type: 'validateProposal' }>): void {
    const { height, blockHash: hash, block } = action;
    void this.deps.node.validateBlock(height, block).then((reason) => {
      if (reason !== undefined) {
        this.deps.logger.warn('proposal refused', { height, block: hash.slice(0, 16), reason });
      }
      this.step({ type: 'validation', height, blockHash: hash, valid: reason === undefined });
    });
  }

  /** D6: store (one write batch), compact the WAL, then start the next height. */
  private commit(action: Extract<ConsensusAction, { type: 'commit' }>): void {
    const { node, wal, logger } = this.deps;
    const committed = node.commitDecided(
      action.height,
      action.block,
      action.blockHash,
      action.certificate,
    );
    wal.compact(action.height);
    logger.debug('block committed', {
      height: committed.height,
      transactions: committed.transactionCount,
      round: action.certificate.round,
    });
    this.startHeight(action.height + 1);
  }

  private startHeight(height: number): void {
    const validators = this.deps.node.validatorsFor(height);
    const key = validators.map((validator) => `${validator.publicKey}:${validator.power}`).join();
    if (this.validatorsKey !== '' && key !== this.validatorsKey) {
      this.deps.onValidatorsChanged?.(validators);
    }
    this.validatorsKey = key;
    this.step({ type: 'startHeight', height, validators });
  }

  private receive(peer: string, payload: Uint8Array): void {
    if (this.stopped) {
      return;
    }
    const decoded = decodePacket(payload);
    if (!decoded.ok) {
      this.punish(peer, decoded.reason);
      return;
    }
    this.dispatch(peer, decoded.packet);
  }

  private dispatch(peer: string, packet: Packet): void {
    switch (packet.kind) {
      case 'consensus': {
        const { height } = packet.message;
        if (height > (this.peerHeights.get(peer) ?? 0)) {
          this.peerHeights.set(peer, height);
        }
        this.step({ type: 'message', message: packet.message, from: peer });
        return;
      }
      case 'transactions':
        this.admitFromPeer(peer, packet.transactions);
        return;
      case 'blockRequest':
        this.sync.answer(peer, packet.height);
        return;
      case 'block': {
        const { block, certificate } = packet;
        const reason = this.sync.check(block, certificate);
        if (reason === 'stale') {
          return;
        }
        if (reason !== undefined) {
          this.punish(peer, 'invalid_block', reason);
          return;
        }
        this.step({ type: 'certifiedBlock', block, certificate, from: peer });
        return;
      }
    }
  }

  private admitFromPeer(peer: string, transactions: unknown[]): void {
    const origin = { kind: 'peer' as const, peer };
    for (const transaction of transactions) {
      this.deps.node.submitThen(transaction, origin, (result) => {
        if (!result.ok && PEER_FAULTS.has(result.problem.code)) {
          this.punish(peer, 'invalid_transaction', result.problem.detail);
        }
      });
    }
  }

  private punish(peer: string | undefined, code: string, detail?: string): void {
    if (peer === undefined || this.stopped) {
      return;
    }
    this.deps.logger.warn('peer sent an invalid message', {
      peer: peer.slice(0, 16),
      code,
      detail: detail?.slice(0, 200),
    });
    this.deps.transport.disconnect(peer, code);
  }

  private broadcast(message: ConsensusMessage): void {
    if (this.deps.transport.connectedPeers().length === 0) {
      return;
    }
    const bytes = this.json.packet(message);
    if (bytes.length > FRAME_PAYLOAD_BYTES_MAX_DEFAULT) {
      this.deps.logger.error('consensus message too large to send', { bytes: bytes.length });
      return;
    }
    this.deps.transport.broadcast(bytes);
  }

  private after(delayMs: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, delayMs);
    this.timers.add(timer);
  }
}
