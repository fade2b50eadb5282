/** Reconnect backoff: doubles from the initial delay, never exceeds the cap, jitters down. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelayMs } from './timers.js';

const backoff = { initialMs: 100, maxMs: 5_000, jitter: 0.5 };

describe('backoff', () => {
  it('doubles up to the cap without jitter', () => {
    const delays = [0, 1, 2, 3, 5, 6, 100, 10_000].map((attempt) =>
      backoffDelayMs({ attempt, backoff, random: () => 0 }),
    );
    assert.deepEqual(delays, [100, 200, 400, 800, 3_200, 5_000, 5_000, 5_000]);
  });

  it('jitter takes off at most the jitter fraction', () => {
    assert.equal(backoffDelayMs({ attempt: 0, backoff, random: () => 1 }), 50);
    assert.equal(backoffDelayMs({ attempt: 20, backoff, random: () => 1 }), 2_500);
    assert.equal(backoffDelayMs({ attempt: 20, backoff, random: () => 7 }), 2_500);
  });
});
