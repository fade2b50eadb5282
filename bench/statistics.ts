/**
 * Summary statistics of a round: the Caliper columns (succeeded, failed, send rate,
 * throughput, latency min / avg / max) plus latency percentiles. Latencies are seconds,
 * as Caliper reports them.
 */

export interface LatencySummary {
  minS: number;
  avgS: number;
  maxS: number;
  p50S: number;
  p95S: number;
  p99S: number;
}

export interface RoundFigures {
  succeeded: number;
  failed: number;
  /** Submitted transactions over the time from first to last submission. */
  sendRateTps: number;
  /**
   * Committed transactions per second: over the time from first submission to last commit,
   * or, after a warm-up, while the controller sends (see roundFigures).
   */
  throughputTps: number;
  latency: LatencySummary;
  durationS: number;
}

/** Nearest-rank percentile of sorted values; 0 for an empty list. */
export function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) {
    return 0;
  }
  const rank = Math.ceil(fraction * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!;
}

/** Latencies in milliseconds (NaN for never committed) to a summary in seconds. */
export function summarizeLatencies(latenciesMs: Float64Array): LatencySummary {
  const values = latenciesMs.filter((value) => Number.isFinite(value)).sort();
  if (values.length === 0) {
    return { minS: 0, avgS: 0, maxS: 0, p50S: 0, p95S: 0, p99S: 0 };
  }
  let total = 0;
  for (const value of values) {
    total += value;
  }
  return {
    minS: values[0]! / 1000,
    avgS: total / values.length / 1000,
    maxS: values[values.length - 1]! / 1000,
    p50S: percentile(values, 0.5) / 1000,
    p95S: percentile(values, 0.95) / 1000,
    p99S: percentile(values, 0.99) / 1000,
  };
}

export interface Timeline {
  /** Milliseconds (any common origin) when each transaction was submitted; NaN if never. */
  sentAtMs: Float64Array;
  /** When each transaction's commit was seen; NaN if never. */
  committedAtMs: Float64Array;
  /** Whether this transaction failed (refused, or committed with a failing code). */
  failed(index: number): boolean;
}

/**
 * The Caliper figures of a round from its per-transaction timeline, for the transactions
 * submitted in [fromMs, toMs): a round's warm-up is left out of its figures.
 *
 * Throughput under a window is the commit rate while the window's transactions are being
 * sent, from its first submission to its last: every transaction that succeeded in that
 * span counts, the warm-up's among them. When the window opens the warm-up's transactions
 * are still in flight (a fixed load of 16,000 is over a second of one validator's work),
 * and the chain commits them inside the span before the window's own; counting only the
 * window's would charge the span with work it is not credited for. The span ends with the
 * last submission rather than the last commit: after it the chain drains a backlog with no
 * new transactions to admit, which is cheaper per commit and flatters the highest loads.
 * Without a window it is every success over the span from the first submission to the
 * last commit, Caliper's definition.
 */
export function roundFigures(
  timeline: Timeline,
  fromMs = Number.NEGATIVE_INFINITY,
  toMs = Number.POSITIVE_INFINITY,
): RoundFigures {
  const { sentAtMs, committedAtMs } = timeline;
  let firstSent = Number.POSITIVE_INFINITY;
  let lastSent = Number.NEGATIVE_INFINITY;
  let lastCommit = Number.NEGATIVE_INFINITY;
  let sent = 0;
  let committed = 0;
  let failedCommitted = 0;
  const windowed = fromMs > Number.NEGATIVE_INFINITY || toMs < Number.POSITIVE_INFINITY;
  const latencies = new Float64Array(sentAtMs.length).fill(Number.NaN);
  for (let index = 0; index < sentAtMs.length; index++) {
    const sentAt = sentAtMs[index]!;
    if (Number.isNaN(sentAt) || sentAt < fromMs || sentAt >= toMs) {
      continue;
    }
    sent += 1;
    firstSent = Math.min(firstSent, sentAt);
    lastSent = Math.max(lastSent, sentAt);
    const committedAt = committedAtMs[index]!;
    if (!Number.isNaN(committedAt)) {
      committed += 1;
      if (timeline.failed(index)) {
        failedCommitted += 1;
      }
      lastCommit = Math.max(lastCommit, committedAt);
      latencies[index] = Math.max(0, committedAt - sentAt);
    }
  }
  const sendSpanS = Math.max(0.001, (lastSent - firstSent) / 1000);
  const commitSpanS = Math.max(0.001, (lastCommit - firstSent) / 1000);
  const succeeded = committed - failedCommitted;
  let succeededInSpan = succeeded;
  let throughputSpanS = commitSpanS;
  if (windowed) {
    succeededInSpan = 0;
    for (let index = 0; index < committedAtMs.length; index++) {
      const committedAt = committedAtMs[index]!;
      if (committedAt >= firstSent && committedAt <= lastSent && !timeline.failed(index)) {
        succeededInSpan += 1;
      }
    }
    throughputSpanS = sendSpanS;
  }
  return {
    succeeded,
    failed: sent - succeeded,
    sendRateTps: sent === 0 ? 0 : sent / sendSpanS,
    throughputTps: committed === 0 ? 0 : succeededInSpan / throughputSpanS,
    latency: summarizeLatencies(latencies),
    durationS: committed === 0 ? 0 : commitSpanS,
  };
}
