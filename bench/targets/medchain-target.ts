/**
 * The medchain target: transactions pre-signed from a workload by the four organization
 * admins, submitted in batches to POST /v1/txs, with commits observed on GET /v1/events
 * (the tx events a client would follow). The node's event queue may drop events under
 * load, so commits without an event are looked up afterwards and timed by their block.
 */
import { sodiumCrypto } from '../../src/node/crypto/index.js';
import { transactionHash } from '../../src/protocol/ledger/transaction.js';
import type { BatchResult } from '../../src/sdk/api-types.js';
import { MedchainClient } from '../../src/sdk/client.js';
import type { MedchainTargetSpec } from '../generator-protocol.js';
import { seedSigner } from '../health-workloads.js';
import { adminSigners } from '../medchain-network.js';
import {
  type SignedTransaction,
  signWorkload,
  WORKLOADS,
  type WorkloadCall,
  workloadPlan,
} from '../workloads.js';
import {
  boundedFetch,
  type CommitSink,
  debug,
  forEachLimited,
  type Rejection,
  type Target,
} from './target.js';

const SETUP_BATCH = 1_000;
const BATCH_OPEN = Buffer.from('{"transactions":[', 'utf8');
const COMMA = Buffer.from(',', 'utf8');
const BATCH_CLOSE = Buffer.from(']}', 'utf8');

export async function medchainTarget(spec: MedchainTargetSpec, count: number): Promise<Target> {
  const client = new MedchainClient({ baseUrl: spec.url, fetch: boundedFetch(60_000) });
  const admins = await adminSigners(spec.dir);
  const plan = workloadPlan(WORKLOADS[spec.workload], {
    seed: spec.seed,
    count,
    signerCount: admins.length,
    firstMember: spec.firstMember,
    chainId: spec.chainId,
  });
  const signers = [...admins, ...plan.memberSeeds.map(seedSigner)];
  const adminNonces = await Promise.all(
    admins.map(async (signer) => (await client.account(signer.publicKey)).pendingNonce),
  );
  // Workload members are registered by the setup, so their nonces start at zero.
  const nonces = [...adminNonces, ...plan.memberSeeds.map(() => 0)];
  const sign = (calls: WorkloadCall[]) => {
    const signed = signWorkload({
      calls,
      signers,
      startNonces: nonces,
      chainId: spec.chainId,
      crypto: sodiumCrypto,
    });
    for (const call of calls) {
      nonces[call.signer]! += 1;
    }
    return signed;
  };
  for (const stage of plan.setup) {
    await commitSetup(client, sign(stage));
  }
  return new MedchainTarget(client, sign(plan.calls), plan.lanes);
}

/**
 * Commits a setup stage before the round (untimed): batches in order, then waits for the
 * last transaction, which a single proposer commits after every earlier one.
 */
async function commitSetup(client: MedchainClient, signed: SignedTransaction[]): Promise<void> {
  for (let start = 0; start < signed.length; start += SETUP_BATCH) {
    const batch = signed.slice(start, start + SETUP_BATCH).map((entry) => entry.transaction);
    const refused = (await client.submitBatch(batch)).find((result) => 'error' in result);
    if (refused !== undefined && 'error' in refused) {
      throw new Error(`workload setup refused: ${refused.error.code} ${refused.error.detail}`);
    }
  }
  const last = signed.at(-1);
  const deadline = Date.now() + 120_000;
  while (last !== undefined) {
    const lookup = await client.transaction(last.hash).catch(() => undefined);
    if (lookup !== undefined && 'receipt' in lookup) {
      if (lookup.receipt.code !== 0) {
        throw new Error(`workload setup failed: ${lookup.receipt.name}`);
      }
      return;
    }
    if (Date.now() > deadline) {
      throw new Error('workload setup not committed within 120 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
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

  /** Each transaction's JSON, and its hash: the decoded objects are not kept. */
  private readonly encodedTransactions: Uint8Array[];
  private readonly hashes: string[];

  constructor(
    private readonly client: MedchainClient,
    signed: SignedTransaction[],
    lanes: number,
  ) {
    this.count = signed.length;
    // Workloads put transaction i on lane i % lanes, with each signer on one lane.
    this.lanes = lanes;
    this.hashes = signed.map((entry, index) => {
      this.indexByHash.set(entry.hash, index);
      return entry.hash;
    });
    this.encodedTransactions = signed.map((entry) =>
      Buffer.from(JSON.stringify(entry.transaction), 'utf8'),
    );
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

  /**
   * One POST /v1/txs per call; a lane holds its signers' transactions in nonce order. The
   * body is spliced from each transaction's JSON, encoded once while the round was
   * prepared: the generator shares the machine with the nodes it measures, and
   * serializing every batch again cost it about a tenth of a core at 9,000 tx/s.
   */
  async submit(indices: number[]): Promise<Rejection[]> {
    const parts: Uint8Array[] = [BATCH_OPEN];
    for (let at = 0; at < indices.length; at++) {
      if (at > 0) {
        parts.push(COMMA);
      }
      parts.push(this.encodedTransactions[indices[at]!]!);
    }
    parts.push(BATCH_CLOSE);
    const response = await this.client.request('POST', '/v1/txs', {
      body: Buffer.concat(parts),
      headers: { 'content-type': 'application/json' },
    });
    const { results } = (await response.json()) as { results: BatchResult[] };
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
      const lookup = await this.client.transaction(this.hashes[index]!).catch(() => undefined);
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
