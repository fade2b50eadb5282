/**
 * What the load generator drives: a chain it can submit prepared transactions to and
 * whose commits it can observe. Both medchain and the Ethereum baseline implement it, so
 * both are measured by the same loop with the same clock.
 */
import type { BlockSeen } from '../generator-protocol.js';

export interface CommitSink {
  /** Transaction `index` of the prepared list was seen committed at `atMs`. */
  commit(index: number, atMs: number, ok: boolean): void;
  block(block: BlockSeen): void;
}

export interface Rejection {
  index: number;
  code: string;
}

export interface Target {
  /** How many transactions were prepared. */
  readonly count: number;
  /** Starts observing commits; resolves once observation is in place. */
  open(sink: CommitSink, nowMs: () => number): Promise<void>;
  /** Parallel submission lanes: transactions i and j share a lane when i ≡ j (mod lanes). */
  readonly lanes: number;
  /** Submits prepared transactions (ascending, one lane) in order; returns the refused ones. */
  submit(indices: number[]): Promise<Rejection[]>;
  /**
   * After the round: looks up transactions that were sent but whose commit was not seen,
   * reporting the ones found; returns how many were found.
   */
  reconcile(indices: number[], sink: CommitSink): Promise<number>;
  close(): Promise<void>;
  /** How often the commit stream overflowed and had to be resumed. */
  readonly overflows?: number;
}

/** Runs `work` over items with at most `limit` in flight. */
export async function forEachLimited<T>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Rejects when `promise` has not settled within `timeoutMs`, naming what it waited for. */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** fetch with a deadline on every request except event streams, which stay open. */
export function boundedFetch(timeoutMs: number): (request: Request) => Promise<Response> {
  return (request) =>
    request.headers.get('accept') === 'text/event-stream'
      ? fetch(request)
      : fetch(request, { signal: AbortSignal.timeout(timeoutMs) });
}

/** Phase lines on stderr with BENCH_DEBUG=1, to see where a stuck round stopped. */
export function debug(line: string): void {
  if (process.env.BENCH_DEBUG === '1') {
    process.stderr.write(`[generator ${process.pid}] ${line}\n`);
  }
}
