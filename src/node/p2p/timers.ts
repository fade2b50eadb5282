/**
 * Time for the transport: a monotonic clock, one-shot timers, and the reconnect backoff.
 * Injected (STYLE P4) so tests can run reconnects in milliseconds and a future simulated
 * clock can drive them; the system implementation is the default.
 */
import { performance } from 'node:perf_hooks';
import { assert } from '../../protocol/core/assert.js';

export type TimerHandle = unknown;

export interface TransportTimers {
  /** Monotonic milliseconds: cool-downs must not jump with the wall clock. */
  nowMs(): number;
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemTimers: TransportTimers = {
  nowMs: () => performance.now(),
  setTimeout(callback, delayMs) {
    const handle = setTimeout(callback, delayMs);
    // A pending reconnect must not keep a stopping process alive; the listener does that.
    handle.unref();
    return handle;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

export interface BackoffOptions {
  /** Delay before the first retry. */
  initialMs: number;
  /** Cap: no delay ever exceeds it, jitter included. */
  maxMs: number;
  /**
   * Fraction of the delay that is random: the delay is drawn from [(1 - j)·d, d]. Without
   * it, every validator that lost the same peer would redial it in the same instant.
   */
  jitter: number;
}

export const BACKOFF_DEFAULT: BackoffOptions = { initialMs: 100, maxMs: 5_000, jitter: 0.5 };

/** Exponential backoff with jitter: min(maxMs, initialMs · 2^attempt), then jittered down. */
export function backoffDelayMs(options: {
  attempt: number;
  backoff: BackoffOptions;
  random: () => number;
}): number {
  const { attempt, backoff } = options;
  assert(Number.isInteger(attempt) && attempt >= 0, 'backoff: attempt is a natural number');
  assert(backoff.jitter >= 0 && backoff.jitter <= 1, 'backoff: jitter is a fraction');
  assert(backoff.initialMs <= backoff.maxMs, 'backoff: initial delay above the cap');
  // 2^attempt overflows to Infinity long before it matters; min() takes care of that.
  const ceiling = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(attempt, 64));
  const draw = Math.min(Math.max(options.random(), 0), 1);
  return Math.round(ceiling * (1 - backoff.jitter * draw));
}
