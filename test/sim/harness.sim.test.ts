/**
 * Tests of the simulator itself (STYLE P6): the CI seeds cover every fault class, a seed
 * replays bit for bit, the PRNG is stable, and a deliberately broken engine (a canary)
 * makes runs fail, so a green run means the checkers were looking.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ALL_FAULT_CLASSES, faultClasses, sampleOptions } from '../../src/testing/sim/options.js';
import { Prng } from '../../src/testing/sim/prng.js';
import { runSimulation } from '../../src/testing/sim/simulation.js';
import { SIM_SEEDS_IN_CI } from './seed-range.js';

describe('sim: harness', () => {
  it('the CI seeds cover every fault class, each several times', () => {
    const counts = new Map<string, number>();
    for (let seed = 0; seed < SIM_SEEDS_IN_CI; seed++) {
      for (const name of faultClasses(sampleOptions(seed))) {
        counts.set(name, (counts.get(name) ?? 0) + 1);
      }
    }
    for (const name of ALL_FAULT_CLASSES) {
      assert.ok(
        (counts.get(name) ?? 0) >= 5,
        `fault class ${name}: ${counts.get(name) ?? 0} seeds`,
      );
    }
  });

  it('replays a seed bit for bit', () => {
    for (const seed of [3, 17]) {
      const first = runSimulation(sampleOptions(seed));
      const second = runSimulation(sampleOptions(seed));
      assert.deepEqual(second, first);
    }
  });

  it('the PRNG sequence is pinned (a change would silently change every seed)', () => {
    const prng = new Prng(42);
    assert.deepEqual(
      [prng.nextU32(), prng.nextU32(), prng.nextU32()],
      [2837322924, 544945897, 479756282],
    );
  });

  it('canary: a quorum of one third instead of two thirds is caught', () => {
    const failed = [];
    for (let seed = 0; seed < 10; seed++) {
      const report = runSimulation({ ...sampleOptions(seed), canary: 'quorum-one-third' });
      if (!report.ok) {
        failed.push(report.failure?.invariant);
      }
    }
    assert.ok(failed.length >= 5, `only ${failed.length} of 10 canary runs failed`);
  });
});
