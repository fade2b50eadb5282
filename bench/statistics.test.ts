/**
 * A round's figures leave its warm-up out: only the transactions submitted in the window
 * count, for throughput, latency and failures alike.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { roundFigures, type Timeline } from './statistics.js';

function timeline(rows: [sentAt: number, committedAt: number, failed: boolean][]): Timeline {
  const failed = rows.map((row) => row[2]);
  return {
    sentAtMs: Float64Array.from(rows.map((row) => row[0])),
    committedAtMs: Float64Array.from(rows.map((row) => row[1])),
    failed: (index) => failed[index]!,
  };
}

describe('round figures', () => {
  const rows: [number, number, boolean][] = [
    [0, 3_000, false], // warm-up: slow
    [100, 3_100, true], // warm-up: failed
    [5_000, 5_200, false],
    [5_500, 5_800, true],
    [6_000, 6_400, false],
    [6_500, Number.NaN, false], // never committed
  ];

  it('count every transaction without a window', () => {
    const figures = roundFigures(timeline(rows));
    assert.equal(figures.succeeded, 3);
    assert.equal(figures.failed, 3);
    assert.equal(figures.latency.maxS, 3);
  });

  it('leave out what was submitted before the window', () => {
    const figures = roundFigures(timeline(rows), 5_000);
    assert.equal(figures.succeeded, 2);
    assert.equal(figures.failed, 2);
    assert.equal(figures.latency.maxS, 0.4);
    assert.equal(figures.latency.minS, 0.2);
    // Sent from 5 s to 6.5 s; two successes committed in that span (5.2 and 6.4 s).
    assert.ok(Math.abs(figures.throughputTps - 2 / 1.5) < 1e-9);
  });

  it('count the warm-up’s commits inside the window’s span in its throughput', () => {
    // The warm-up's second transaction is still in flight when the window opens.
    const late: [number, number, boolean][] = [
      [0, 1_000, false],
      [100, 5_500, false],
      [5_000, 6_000, false],
      [5_100, 6_500, false],
      [7_000, 7_200, false],
    ];
    const figures = roundFigures(timeline(late), 5_000);
    assert.equal(figures.succeeded, 3, 'the window’s own transactions');
    assert.equal(figures.latency.maxS, 1.4);
    // Sent from 5 s to 7 s; three commits in that span (5.5, 6 and 6.5 s), one the warm-up's.
    assert.ok(Math.abs(figures.throughputTps - 3 / 2) < 1e-9);
  });

  it('leave the drain after the last submission out of the throughput', () => {
    // A backlog committed after sending stopped: the rate while sending is what counts.
    const drain: [number, number, boolean][] = [
      [5_000, 5_500, false],
      [5_500, 6_000, false],
      [6_000, 6_100, false],
      [6_000, 6_200, false],
      [6_000, 6_300, false],
    ];
    const figures = roundFigures(timeline(drain), 5_000);
    assert.equal(figures.succeeded, 5);
    assert.ok(Math.abs(figures.throughputTps - 2 / 1) < 1e-9);
  });

  it('give the warm-up its own figures', () => {
    const figures = roundFigures(timeline(rows), 0, 5_000);
    assert.equal(figures.succeeded, 1);
    assert.equal(figures.failed, 1);
    assert.equal(figures.latency.p50S, 3);
  });
});
