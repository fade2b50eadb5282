/**
 * D8, catch-up by certified blocks. A validator that is behind asks its peers for the
 * block of its current height; peers answer from their block store with the block and its
 * commit certificate. Before the engine sees an answer it is checked here: the certificate
 * verifies against the validator set of that height, the block hashes to it, and the
 * block's transactions re-execute to its header (the certified hash covers the header
 * only, so a peer could otherwise swap the transaction list). A bad answer gets the peer
 * disconnected; a late duplicate of one already adopted is ignored.
 */
import { performance } from 'node:perf_hooks';
import type { JsonValue } from '../../protocol/core/canonical.js';
import type { Crypto } from '../../protocol/core/crypto.js';
import { blockHash, type CommitCertificate } from '../../protocol/ledger/block.js';
import { verifyCommitCertificate } from '../../protocol/ledger/commit.js';
import { isPlainObject } from '../../protocol/ledger/transaction.js';
import { FRAME_PAYLOAD_BYTES_MAX_DEFAULT } from '../p2p/framing.js';
import type { Transport } from '../p2p/transport.js';
import type { Logger } from '../runtime/logger.js';
import type { MedchainNode } from '../runtime/medchain-node.js';
import { encodePacket } from './wire.js';

/** A peer asking again for the same height within this window is not answered twice. */
const REPEAT_ANSWER_MS = 250;
/** Encoded answers kept: several lagging peers usually ask for the same recent blocks. */
const ANSWERS_CACHED = 8;

export interface BlockSyncDependencies {
  node: MedchainNode;
  crypto: Crypto;
  chainId: string;
  transport: Transport;
  logger: Logger;
}

export class BlockSync {
  private readonly answered = new Map<string, { height: number; atMs: number }>();
  private readonly answers = new Map<number, Uint8Array>();

  constructor(private readonly deps: BlockSyncDependencies) {}

  /** Asks every connected peer; the first good answer wins, later ones are stale. */
  request(height: number): void {
    this.deps.transport.broadcast(encodePacket({ kind: 'blockRequest', height }));
  }

  answer(peer: string, height: number): void {
    const { node, transport } = this.deps;
    if (!Number.isSafeInteger(height) || height < 1 || height > node.height) {
      return;
    }
    const now = performance.now();
    const last = this.answered.get(peer);
    if (last !== undefined && last.height === height && now - last.atMs < REPEAT_ANSWER_MS) {
      return;
    }
    this.answered.set(peer, { height, atMs: now });
    const bytes = this.encodedBlock(height);
    if (bytes !== undefined) {
      transport.send(peer, bytes);
    }
  }

  private encodedBlock(height: number): Uint8Array | undefined {
    const cached = this.answers.get(height);
    if (cached !== undefined) {
      return cached;
    }
    const { store } = this.deps.node.deps;
    const stored = store.block(height);
    if (stored === undefined) {
      return undefined;
    }
    const transactions = store.blockTransactions(height).map((entry) => entry.transaction);
    const block = { header: stored.header, transactions } as unknown as JsonValue;
    const bytes = encodePacket({ kind: 'block', block, certificate: stored.commit });
    if (bytes.length > FRAME_PAYLOAD_BYTES_MAX_DEFAULT) {
      this.deps.logger.error('block too large to send', { height, bytes: bytes.length });
      return undefined;
    }
    if (this.answers.size >= ANSWERS_CACHED) {
      this.answers.delete(this.answers.keys().next().value!);
    }
    this.answers.set(height, bytes);
    return bytes;
  }

  /** Undefined when the engine may adopt it, 'stale' when not needed, else the fault. */
  check(block: JsonValue, certificate: CommitCertificate): string | undefined {
    const { node, crypto, chainId } = this.deps;
    const height = node.height + 1;
    if (certificate.height !== height) {
      return 'stale';
    }
    if (valueId(crypto, block) !== certificate.blockHash) {
      return 'the block does not hash to its certificate';
    }
    const validators = node.validatorsFor(height);
    const verified = verifyCommitCertificate(crypto, { chainId, certificate, validators });
    if (!verified.ok) {
      return `certificate: ${verified.reason}`;
    }
    return node.prepareCertified(height, block);
  }
}

/**
 * id(v): the hash of the block's header, which commits to everything else in it. Anything
 * that is not a block gets an id no decoded blockHash can equal, so its proposal is refused.
 */
export function valueId(crypto: Crypto, block: JsonValue): string {
  try {
    if (isPlainObject(block) && isPlainObject(block.header)) {
      return blockHash(crypto, block.header as never);
    }
  } catch {
    // A header canonical JSON cannot encode is no block.
  }
  return 'not-a-block';
}
