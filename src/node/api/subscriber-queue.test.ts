/** The event queue bounds memory without ever losing events silently or looping forever. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SubscriberQueue } from './subscriber-queue.js';

function drain(queue: SubscriberQueue): string[] {
  const out: string[] = [];
  for (let next = queue.next(); next !== undefined; next = queue.next()) {
    out.push(`${next.event}:${JSON.parse(next.data).height}`);
  }
  return out;
}

function pushBlock(queue: SubscriberQueue, height: number, transactions: number): void {
  queue.push('block', { height });
  for (let i = 0; i < transactions; i++) {
    queue.push('tx', { height });
  }
}

test('past the limit only whole blocks are kept and the resume height is the first dropped', () => {
  const queue = new SubscriberQueue(10);
  pushBlock(queue, 1, 3);
  pushBlock(queue, 2, 3);
  pushBlock(queue, 3, 3);
  assert.equal(queue.resumeFrom, 3);
  assert.deepEqual(drain(queue), [
    'block:1',
    'tx:1',
    'tx:1',
    'tx:1',
    'block:2',
    'tx:2',
    'tx:2',
    'tx:2',
  ]);
});

test('a single block larger than the limit is still delivered whole', () => {
  const queue = new SubscriberQueue(10);
  pushBlock(queue, 7, 25);
  assert.equal(queue.resumeFrom, undefined, 'resuming at this block would overflow forever');
  assert.equal(drain(queue).length, 26);
  pushBlock(queue, 8, 2);
  assert.equal(drain(queue).length, 3);
});

test('a reader that keeps up never overflows', () => {
  const queue = new SubscriberQueue(10);
  for (let height = 1; height <= 1_000; height++) {
    pushBlock(queue, height, 5);
    assert.equal(drain(queue).length, 6);
  }
  assert.equal(queue.resumeFrom, undefined);
});

test('drain hands out queued events as text/event-stream, at most max at a time', () => {
  const queue = new SubscriberQueue(100);
  pushBlock(queue, 4, 2);
  assert.equal(
    queue.drain(2),
    'event: block\ndata: {"height":4}\n\nevent: tx\ndata: {"height":4}\n\n',
  );
  assert.equal(queue.drain(10), 'event: tx\ndata: {"height":4}\n\n');
  assert.equal(queue.drain(10), '', 'nothing left');
});
