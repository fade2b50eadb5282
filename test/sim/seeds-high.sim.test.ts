/** Seeded whole-cluster runs, second half of the CI range (see seed-range.ts). */
import { describe } from 'node:test';
import { SIM_SEEDS_IN_CI, seedTests } from './seed-range.js';

describe('sim: seeds, second half', () => {
  seedTests(SIM_SEEDS_IN_CI / 2, SIM_SEEDS_IN_CI);
});
