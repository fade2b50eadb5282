/** Seeded whole-cluster runs, first half of the CI range (see seed-range.ts). */
import { describe } from 'node:test';
import { SIM_SEEDS_IN_CI, seedTests } from './seed-range.js';

describe('sim: seeds, first half', () => {
  seedTests(0, SIM_SEEDS_IN_CI / 2);
});
