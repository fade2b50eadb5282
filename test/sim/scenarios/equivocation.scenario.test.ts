/**
 * f equivocators: Byzantine validators that send different proposals and votes to different
 * halves of the network, forge and replay. Correct validators never fork, record evidence
 * against exactly the equivocators, and keep deciding.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectReach, range, scenario } from './dsl.js';

const EQUIVOCATE = ['equivocate-proposal', 'double-prevote', 'double-precommit'] as const;

describe('consensus: Byzantine validators', () => {
  for (const [validators, faulty] of [
    [4, [3]],
    [7, [5, 6]],
  ] as const) {
    it(`f equivocators (N=${validators}, f=${faulty.length}): no fork, evidence, progress`, () => {
      const cluster = scenario({
        validators,
        byzantine: faulty.map((index) => ({ index, classes: [...EQUIVOCATE, 'replay', 'forge'] })),
        network: {
          lossRate: 0.05,
          delayMinMs: 1,
          delayMaxMs: 30,
          reorderRate: 0.05,
          duplicateRate: 0,
        },
      });
      const honest = range(validators).filter((index) => !faulty.includes(index as never));
      expectReach(cluster, { indexes: honest, height: 12, withinMs: 30_000 });
      assert.ok(cluster.evidence > 0, 'equivocation was detected and reported');
      assert.ok(cluster.invalidMessages > 0, 'forgeries were refused');
    });
  }

  it('a proposer of invalid blocks only ever wastes its own rounds (N=4, f=1)', () => {
    const cluster = scenario({
      validators: 4,
      byzantine: [{ index: 0, classes: ['invalid-block', 'withhold'] }],
    });
    expectReach(cluster, { indexes: [1, 2, 3], height: 10, withinMs: 20_000 });
  });
});
