import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Fifo } from './fifo.js';

describe('Fifo', () => {
  it('gives items back in the order they came, whatever the mix of pushes and takes', () => {
    // Long runs cross the compaction points, where the array is cut down or replaced.
    const operation = fc.oneof(
      fc.record({ push: fc.integer({ min: 1, max: 3_000 }) }),
      fc.record({ take: fc.integer({ min: 1, max: 3_000 }) }),
    );
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 30 }), (operations) => {
        const fifo = new Fifo<number>();
        const model: number[] = [];
        let next = 0;
        for (const step of operations) {
          if ('push' in step) {
            for (let i = 0; i < step.push; i++) {
              fifo.push(next);
              model.push(next++);
            }
          } else {
            for (let i = 0; i < step.take; i++) {
              assert.equal(fifo.peek(), model[0]);
              assert.equal(fifo.shift(), model.shift());
            }
          }
          assert.equal(fifo.length, model.length);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('is empty after clear, and an empty queue gives undefined', () => {
    const fifo = new Fifo<string>();
    assert.equal(fifo.shift(), undefined);
    fifo.push('a');
    fifo.push('b');
    fifo.clear();
    assert.equal(fifo.length, 0);
    assert.equal(fifo.peek(), undefined);
    assert.equal(fifo.shift(), undefined);
  });
});
