/**
 * The medchain target: transactions pre-signed from a workload by the four organization
 * admins, submitted in batches to POST /v1/txs, with commits observed on GET /v1/events
 * (the tx events a client would follow). The node's event queue may drop events under
 * load, so commits without an event are looked up afterwards and timed by their block.
 */
import { sodiumCrypto } from '../../src/node/crypto/index.js';
import { transactionHash } from '../../src/protocol/ledger/transaction.js';
import { MedchainClient } from '../../src/sdk/client.js';
import type { MedchainTargetSpec } from '../generator-protocol.js';
import { adminSigners } from '../medchain-network.js';
import { type SignedTransaction, signWorkload, WORKLOADS } from '../workloads.js';
import {
  boundedFetch,
  type CommitSink,
  debug,
  forEachLimited,
  type Rejection,
  type Target,
} from './target.js';

export async function medchainTarget(spec: MedchainTargetSpec, count: number): Promise<Target> {
  const client = new MedchainClient({ baseUrl: spec.url, fetch: boundedFetch(60_000) });
  const definition = WORKLOADS[spec.workload];
  if (definition.calls === undefined) {
    throw new Error(`workload ${spec.workload} is pending: ${definition.pending}`);
  }
  const signers = await adminSigners(spec.dir);
  const startNonces = await Promise.all(
    signers.map(async (signer) => (await client.account(signer.publicKey)).pendingNonce),
  );
  const calls = definition.calls({
    seed: spec.seed,
    count,
    signerCount: signers.length,
    firstMember: spec.firstMember,
  });
  const signed = signWorkload({
    calls,
    signers,
    startNonces,
    chainId: spec.chainId,
    crypto: sodiumCrypto,
  });
  return new MedchainTarget(client, signed, signers.length);
}

class MedchainTarget implements Target {
  readonly count: number;
  readonly lanes: number;
  private readonly indexByHash = new Map<string, number>();
  private readonly blockSeenAtMs = new Map<number, number>();
  private readonly abort = new AbortController();
  private following: Promise<void> = Promise.resolve();
  private readonly overflowedHeights: number[] = [];
  private readonly readFromBlocks = new Set<number>();

  constructor(
    private readonly client: MedchainClient,
    private readonly signed: SignedTransaction[],
    signerCount: number,
  ) {
    this.count = signed.length;
    // Workloads interleave signers in turn, so transaction i belongs to signer i % count.
    this.lanes = signerCount;
    signed.forEach((entry, index) => {
      this.indexByHash.set(entry.hash, index);
    });
  }

  async open(sink: CommitSink, nowMs: () => number): Promise<void> {
    // The stream replays from `from`, so nothing committed before it connects is missed.
    const from = (await this.client.status()).height + 1;
    this.following = this.follow(from, sink, nowMs).catch((error: unknown) => {
      if (!this.abort.signal.aborted) {
        throw error;
      }
    });
  }

  /**
   * Follows the event stream, reconnecting after it ends. On `overflow` the node has dropped
   * the events of block `resumeFrom`; that block is noted as seen now and read whole during
   * reconcile, and the stream resumes after it (resuming at it would overflow again when the
   * block alone holds more events than the node queues).
   */
  private async follow(from: number, sink: CommitSink, nowMs: () => number): Promise<void> {
    let next = from;
    while (!this.abort.signal.aborted) {
      for await (const event of this.client.events({ from: next, signal: this.abort.signal })) {
        if (event.type === 'tx') {
          const index = this.indexByHash.get(event.transaction.hash);
          if (index !== undefined) {
            sink.commit(index, nowMs(), event.transaction.code === 0);
          }
        } else if (event.type === 'block') {
          const { height, transactionCount } = event.block;
          this.blockSeenAtMs.set(height, nowMs());
          sink.block({ height, transactionCount, seenAtMs: nowMs() });
          next = height + 1;
        } else if (event.event === 'overflow') {
          const height = (JSON.parse(event.data) as { resumeFrom: number }).resumeFrom;
          this.blockSeenAtMs.set(height, nowMs());
          this.overflowedHeights.push(height);
          debug(`event stream overflowed at height ${height}; resuming after it`);
          next = height + 1;
          break;
        }
      }
      if (!this.abort.signal.aborted) {
        debug(`event stream ended; reconnecting from height ${next}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** How often the node's event stream overflowed during the round. */
  get overflows(): number {
    return this.overflowedHeights.length;
  }

  /** One POST /v1/txs per call; a lane holds one admin's transactions, in nonce order. */
  async submit(indices: number[]): Promise<Rejection[]> {
    const batch = indices.map((index) => this.signed[index]!.transaction);
    const results = await this.client.submitBatch(batch);
    const rejections: Rejection[] = [];
    results.forEach((result, offset) => {
      if ('error' in result) {
        rejections.push({ index: indices[offset]!, code: result.error.code });
      }
    });
    return rejections;
  }

  async reconcile(indices: number[], sink: CommitSink): Promise<number> {
    let found = await this.readOverflowedBlocks(sink);
    const missing = indices.filter((index) => !this.readFromBlocks.has(index));
    const heights = [...this.blockSeenAtMs.keys()].sort((a, b) => a - b);
    await forEachLimited(missing, 16, async (index) => {
      const lookup = await this.client.transaction(this.signed[index]!.hash).catch(() => undefined);
      if (lookup === undefined || !('height' in lookup)) {
        return;
      }
      // Timed by its block's event, or the next block seen if that event was dropped too.
      const height = heights.find((seen) => seen >= lookup.height);
      if (height !== undefined) {
        sink.commit(index, this.blockSeenAtMs.get(height)!, lookup.receipt.code === 0);
        found += 1;
      }
    });
    return found;
  }

  /** Commits of the blocks whose events overflowed, read whole and timed by the overflow. */
  private async readOverflowedBlocks(sink: CommitSink): Promise<number> {
    let found = 0;
    for (const height of this.overflowedHeights) {
      const block = await this.client.block(height);
      const seenAtMs = this.blockSeenAtMs.get(height)!;
      sink.block({ height, transactionCount: block.transactions.length, seenAtMs });
      block.transactions.forEach((transaction, position) => {
        const index = this.indexByHash.get(transactionHash(sodiumCrypto, transaction));
        if (index !== undefined) {
          sink.commit(index, seenAtMs, block.receipts[position]?.code === 0);
          this.readFromBlocks.add(index);
          found += 1;
        }
      });
    }
    return found;
  }

  /**
   * Stops following. Best effort: an aborted event stream has been seen to stay pending
   * in fetch, and the generator process ends after the round anyway.
   */
  async close(): Promise<void> {
    this.abort.abort();
    const settled = this.following.catch(() => undefined);
    await Promise.race([settled, new Promise((resolve) => setTimeout(resolve, 1_000))]);
  }
}
