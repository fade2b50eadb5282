/** The progress bar and the parsers shared by commands. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CliUsageError, ProgressBar, parseCount } from './output.js';

function fakeTerminal(isTTY: boolean): {
  isTTY: boolean;
  written: string[];
  write(text: string): void;
} {
  const written: string[] = [];
  return { isTTY, written, write: (text: string) => written.push(text) };
}

describe('ProgressBar', () => {
  it('shows count/total, rate and ETA, and redraws at most once per interval', () => {
    let now = 0;
    const stream = fakeTerminal(true);
    const bar = new ProgressBar({
      total: 100,
      label: 'verify',
      stream,
      nowMs: () => now,
      intervalMs: 100,
    });
    now = 1000;
    bar.update(10);
    now = 1050;
    bar.update(20);
    assert.equal(stream.written.length, 1);
    assert.match(stream.written[0] ?? '', /verify \[#{2}\.{22}\] 10\/100 10% 10\.0\/s ETA 9s$/);
    now = 2000;
    bar.update(100);
    bar.finish();
    assert.match(stream.written.at(-1) ?? '', /100\/100 100% 50\.0\/s ETA 0s\n$/);
  });

  it('draws nothing when the stream is not a terminal', () => {
    const stream = fakeTerminal(false);
    const bar = new ProgressBar({ total: 3, label: 'import', stream });
    bar.increment();
    bar.finish();
    assert.deepEqual(stream.written, []);
  });
});

describe('ProgressBar without a terminal', () => {
  it('writes a plain line per interval and one at the end when asked to', () => {
    let now = 0;
    const stream = fakeTerminal(false);
    const bar = new ProgressBar({
      total: 10,
      label: 'import',
      stream,
      nowMs: () => now,
      plainIntervalMs: 5_000,
    });
    now = 1_000;
    bar.update(2);
    assert.deepEqual(stream.written, []);
    now = 5_000;
    bar.update(5);
    now = 6_000;
    bar.update(6);
    bar.finish();
    assert.deepEqual(stream.written, [
      'import 5/10 50% 1.0/s ETA 5s\n',
      'import 6/10 60% 1.0/s ETA 4s\n',
    ]);
  });
});

describe('parseCount', () => {
  it('accepts non-negative integers only', () => {
    assert.equal(parseCount('42', 'height'), 42);
    assert.throws(() => parseCount('-1', 'height'), CliUsageError);
    assert.throws(() => parseCount('1e3', 'height'), CliUsageError);
  });
});
