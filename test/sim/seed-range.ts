/**
 * Runs a range of seeds as one test each, so a failure names its seed and the command
 * that replays it. Shared by the *.sim.test.ts files, which split the range so the test
 * runner can use both cores.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sampleOptions } from '../../src/testing/sim/options.js';
import { runSimulation, type SimReport } from '../../src/testing/sim/simulation.js';

/** The seeds `npm test` runs: [0, SIM_SEEDS_IN_CI). */
export const SIM_SEEDS_IN_CI = 220;

export function explain(report: SimReport): string {
  return [
    `seed ${report.seed} failed ${report.failure?.invariant}: ${report.failure?.message}`,
    `replay: npm run sim -- --seed ${report.seed}`,
    `faults: ${report.classes.join(' ')}`,
    ...report.trace,
  ].join('\n');
}

export function seedTests(from: number, to: number): void {
  for (let seed = from; seed < to; seed++) {
    it(`seed ${seed}`, () => {
      const report = runSimulation(sampleOptions(seed));
      assert.ok(report.ok, explain(report));
    });
  }
}
