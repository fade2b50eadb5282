/**
 * What a simulation run does, sampled from its seed ("swarm testing": each seed turns a
 * different mix of faults on, so rare combinations get explored across seeds). Scenario
 * tests build SimOptions by hand instead.
 */
import type { Canary, TimeoutConfig } from '../../protocol/consensus/types.js';
import { BYZANTINE_CLASSES, type ByzantineClass } from './byzantine.js';
import type { NetworkOptions } from './network.js';
import { Prng } from './prng.js';

export interface SimOptions {
  seed: number;
  /** Validators in genesis. */
  validators: number;
  /** Extra replicas outside the genesis set, following the chain (and joinable by vote). */
  spares: number;
  powers: number[];
  byzantine: Array<{ index: number; classes: ByzantineClass[] }>;
  network: NetworkOptions;
  /** Chance per nemesis tick (every 250 ms) to start a partition of each kind. */
  partitionRate: number;
  oneWayRate: number;
  crashRate: number;
  /** Per replica: timers run this much faster or slower, and block times are offset. */
  clockSkew: boolean;
  validatorChange: boolean;
  safetyMs: number;
  /** Bound for every honest replica to reach the target height once everything heals. */
  livenessMs: number;
  timeouts: TimeoutConfig;
  fsyncMs: number;
  appDelayMs: number;
  canary?: Canary;
}

export const SIM_TIMEOUTS: TimeoutConfig = {
  proposeBaseMs: 120,
  proposeDeltaMs: 40,
  prevoteBaseMs: 80,
  prevoteDeltaMs: 30,
  precommitBaseMs: 80,
  precommitDeltaMs: 30,
  rebroadcastMs: 250,
};

const SIZES = [1, 2, 3, 4, 4, 4, 4, 5, 6, 7];

function samplePowers(prng: Prng, count: number): number[] {
  if (prng.chance(0.7)) {
    return Array.from({ length: count }, () => 10);
  }
  return Array.from({ length: count }, () => prng.pick([5, 10, 15, 20]));
}

/** Byzantine replicas: the lowest-power ones, as many as keep their power under a third. */
function sampleByzantine(prng: Prng, powers: number[]): SimOptions['byzantine'] {
  if (!prng.chance(0.6)) {
    return [];
  }
  const total = powers.reduce((sum, power) => sum + power, 0);
  const order = powers.map((power, index) => ({ power, index })).sort((a, b) => a.power - b.power);
  const wanted = 1 + prng.int(2);
  const out: SimOptions['byzantine'] = [];
  let power = 0;
  for (const { index, power: p } of order) {
    if (out.length >= wanted || 3 * (power + p) >= total) {
      break;
    }
    power += p;
    const classes = BYZANTINE_CLASSES.filter(() => prng.chance(0.35));
    out.push({ index, classes: classes.length > 0 ? classes : [prng.pick(BYZANTINE_CLASSES)] });
  }
  return out;
}

function sampleNetwork(prng: Prng): NetworkOptions {
  const delayMaxMs = prng.pick([5, 20, 60, 150]);
  return {
    lossRate: prng.chance(0.7) ? prng.pick([0.01, 0.05, 0.1, 0.2, 0.3]) : 0,
    delayMinMs: 1,
    delayMaxMs,
    reorderRate: prng.chance(0.5) ? prng.pick([0.01, 0.05, 0.1]) : 0,
    duplicateRate: prng.chance(0.5) ? prng.pick([0.01, 0.05, 0.2]) : 0,
  };
}

export function sampleOptions(seed: number): SimOptions {
  const prng = new Prng(seed);
  const validators = prng.pick(SIZES);
  const powers = samplePowers(prng, validators);
  const validatorChange = prng.chance(0.25);
  return {
    seed,
    validators,
    spares: validatorChange || prng.chance(0.2) ? 1 : 0,
    powers,
    byzantine: sampleByzantine(prng, powers),
    network: sampleNetwork(prng),
    partitionRate: prng.chance(0.5) ? prng.pick([0.05, 0.15]) : 0,
    oneWayRate: prng.chance(0.4) ? prng.pick([0.05, 0.15]) : 0,
    crashRate: prng.chance(0.6) ? prng.pick([0.05, 0.1, 0.2]) : 0,
    clockSkew: prng.chance(0.5),
    validatorChange,
    safetyMs: 4000,
    livenessMs: 30_000,
    timeouts: SIM_TIMEOUTS,
    fsyncMs: prng.pick([0, 1, 3]),
    appDelayMs: prng.pick([0, 1, 5]),
  };
}

/** The fault classes a run exercises, for the per-seed report and coverage checks. */
export function faultClasses(options: SimOptions): string[] {
  const out: string[] = [];
  const { network } = options;
  const add = (on: boolean, name: string) => on && out.push(name);
  add(network.lossRate > 0, 'loss');
  add(network.delayMaxMs >= 60, 'delay');
  add(network.reorderRate > 0, 'reorder');
  add(network.duplicateRate > 0, 'duplicate');
  add(options.partitionRate > 0, 'partition');
  add(options.oneWayRate > 0, 'one-way');
  add(options.crashRate > 0, 'crash');
  add(options.clockSkew, 'clock-skew');
  add(options.validatorChange, 'validator-change');
  add(
    options.powers.some((power) => power !== options.powers[0]),
    'weighted-power',
  );
  for (const name of BYZANTINE_CLASSES) {
    add(
      options.byzantine.some((entry) => entry.classes.includes(name)),
      name,
    );
  }
  return out;
}

export const ALL_FAULT_CLASSES = [
  'loss',
  'delay',
  'reorder',
  'duplicate',
  'partition',
  'one-way',
  'crash',
  'clock-skew',
  'validator-change',
  'weighted-power',
  ...BYZANTINE_CLASSES,
];
