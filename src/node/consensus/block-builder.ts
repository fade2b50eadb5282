/**
 * D4, building a proposal: batch the mempool by size and by a short time bound, then
 * execute on committed state. A full block is built at once; a partial one after
 * `batchWaitMs`, so that a burst of submissions shares one block; with nothing to propose
 * the builder waits up to `emptyBlockIntervalMs` and then proposes an empty block, which
 * keeps heights (and the liveness of a quiet chain) moving. Both waits stay well under
 * timeoutPropose, or the other validators would give up on the proposer.
 */
import { performance } from 'node:perf_hooks';
import type { JsonValue } from '../../protocol/core/canonical.js';
import type { MedchainNode } from '../runtime/medchain-node.js';

export interface BlockBuilderOptions {
  batchWaitMs: number;
  emptyBlockIntervalMs: number;
}

/** How often an idle proposer looks at the mempool again. */
const POLL_MS = 10;

export type Scheduler = (delayMs: number, run: () => void) => void;

export class BlockBuilder {
  constructor(
    private readonly options: BlockBuilderOptions,
    private readonly node: MedchainNode,
    private readonly after: Scheduler,
  ) {}

  /** Builds block `height` when the batch is ready; never if the height is over by then. */
  build(height: number, deliver: (block: JsonValue) => void): void {
    const started = performance.now();
    const attempt = () => {
      const { node } = this;
      if (node.height !== height - 1) {
        return;
      }
      const waited = performance.now() - started;
      const pending = node.mempool.size;
      const full = pending >= node.options.blockTransactionsMax;
      const batched = pending > 0 && waited >= this.options.batchWaitMs;
      if (full || batched || waited >= this.options.emptyBlockIntervalMs) {
        deliver(node.proposeBlock().block as unknown as JsonValue);
        return;
      }
      const wait = pending > 0 ? this.options.batchWaitMs - waited : POLL_MS;
      this.after(Math.max(1, Math.ceil(wait)), attempt);
    };
    attempt();
  }
}
