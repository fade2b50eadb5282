/**
 * The per-transaction timeline of one round (when each transaction was submitted and when
 * its commit was seen) and the sink the targets report commits into. Typed arrays keep a
 * round of hundreds of thousands of transactions small and cheap to summarize.
 */
import type { BlockSeen } from './generator-protocol.js';
import type { CommitSink } from './targets/target.js';

/** Per-transaction timeline of a round and the sink that fills it. */
export class RoundLedger implements CommitSink {
  readonly sentAtMs: Float64Array;
  readonly committedAtMs: Float64Array;
  /** 0 unknown, 1 committed ok, 2 failed (refused or committed with a failing code). */
  private readonly outcome: Uint8Array;
  readonly rejections: Record<string, number> = {};
  readonly blocks: BlockSeen[] = [];
  settled = 0;
  committed = 0;

  constructor(count: number) {
    this.sentAtMs = new Float64Array(count).fill(Number.NaN);
    this.committedAtMs = new Float64Array(count).fill(Number.NaN);
    this.outcome = new Uint8Array(count);
  }

  commit(index: number, atMs: number, ok: boolean): void {
    if (Number.isNaN(this.committedAtMs[index]!)) {
      this.committedAtMs[index] = atMs;
      this.settled += 1;
      this.committed += 1;
      this.outcome[index] = 1;
    }
    if (!ok) {
      this.outcome[index] = 2;
    }
  }

  failed(index: number): boolean {
    return this.outcome[index] === 2;
  }

  reject(index: number, code: string): void {
    this.outcome[index] = 2;
    this.settled += 1;
    this.rejections[code] = (this.rejections[code] ?? 0) + 1;
  }

  block(block: BlockSeen): void {
    this.blocks.push(block);
  }

  /** Sent, not refused, and no commit seen. */
  unsettled(): number[] {
    const out: number[] = [];
    for (let index = 0; index < this.outcome.length; index++) {
      if (this.outcome[index] === 0 && !Number.isNaN(this.sentAtMs[index]!)) {
        out.push(index);
      }
    }
    return out;
  }

  sentCount(): number {
    let sent = 0;
    for (const at of this.sentAtMs) {
      sent += Number.isNaN(at) ? 0 : 1;
    }
    return sent;
  }
}
