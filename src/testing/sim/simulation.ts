/**
 * One seeded run: a safety phase with the sampled faults switched on, checked at every
 * commit, restart and piece of evidence; then a liveness phase that heals the network,
 * restarts crashed replicas and requires every honest replica to reach the same target
 * height within a bound. Same seed, same run, bit for bit.
 */
import { SimFailure } from './checker.js';
import { Cluster } from './cluster.js';
import { CALM_NETWORK } from './network.js';
import { faultClasses, type SimOptions } from './options.js';

export interface SimReport {
  seed: number;
  ok: boolean;
  failure?: { invariant: string; message: string; timeMs: number };
  classes: string[];
  validators: number;
  byzantine: number;
  heights: number[];
  targetHeight: number;
  /** Simulated time the liveness phase took to converge. */
  convergedMs: number;
  stats: {
    commits: number;
    crashes: number;
    evidence: number;
    invalidMessages: number;
    packetsSent: number;
    packetsLost: number;
    walRecordsLost: number;
  };
  trace: string[];
}

const NEMESIS_TICK_MS = 250;

function nemesis(cluster: Cluster): void {
  const { options, prng, scheduler } = cluster;
  const tick = () => {
    if (scheduler.now >= options.safetyMs) {
      return;
    }
    const all = cluster.replicas.map((replica) => replica.index);
    if (prng.chance(options.crashRate)) {
      const up = cluster.replicas.filter((replica) => replica.up);
      if (up.length > 0) {
        const victim = prng.pick(up).index;
        cluster.crash(victim);
        scheduler.after(prng.between(100, 1500), () => cluster.restart(victim));
      }
    }
    if (!cluster.network.partitioned && all.length > 1) {
      if (prng.chance(options.partitionRate)) {
        const shuffled = prng.shuffle(all);
        const cut = 1 + prng.int(all.length - 1);
        cluster.partition(shuffled.slice(0, cut), shuffled.slice(cut));
        scheduler.after(prng.between(200, 1500), () => cluster.heal());
      } else if (prng.chance(options.oneWayRate)) {
        const shuffled = prng.shuffle(all);
        const cut = 1 + prng.int(all.length - 1);
        cluster.cutOneWay(shuffled.slice(0, cut), shuffled.slice(cut));
        scheduler.after(prng.between(200, 1500), () => cluster.heal());
      }
    }
    scheduler.after(NEMESIS_TICK_MS, tick);
  };
  scheduler.after(NEMESIS_TICK_MS, tick);
}

/** Votes the first spare in, then (when safe) an honest genesis validator out. */
function governance(cluster: Cluster): void {
  const { options, scheduler } = cluster;
  if (!options.validatorChange || options.spares === 0) {
    return;
  }
  const spare = options.validators;
  const voters = Array.from({ length: options.validators }, (_, i) => i);
  const all = cluster.replicas.map((replica) => replica.index);
  scheduler.at(options.safetyMs * 0.2, () => {
    for (const voter of voters) {
      cluster.submit(`gov:add:${spare}:${voter}`, { to: all });
    }
  });
  const byzantine = new Set(options.byzantine.map((entry) => entry.index));
  const removed = voters.find((index) => !byzantine.has(index));
  const byzantinePower = options.byzantine.reduce((sum, e) => sum + options.powers[e.index]!, 0);
  const total = options.powers.reduce((sum, power) => sum + power, 0) + 10;
  if (removed === undefined || 3 * byzantinePower >= total - options.powers[removed]!) {
    return;
  }
  scheduler.at(options.safetyMs * 0.5, () => {
    for (const voter of [...voters, spare]) {
      cluster.submit(`gov:remove:${removed}:${voter}`, { to: all });
    }
  });
}

function liveness(cluster: Cluster): { target: number; convergedMs: number; ok: boolean } {
  const { options, scheduler } = cluster;
  cluster.heal();
  cluster.network.options = {
    ...CALM_NETWORK,
    delayMaxMs: Math.min(options.network.delayMaxMs, 60),
  };
  for (const replica of cluster.replicas) {
    cluster.restart(replica.index);
  }
  const live = cluster.honest().filter((replica) => replica.refused === undefined);
  const target = Math.max(0, ...live.map((replica) => replica.height)) + 2;
  cluster.log(`liveness phase: every honest replica must reach height ${target}`);
  const start = scheduler.now;
  cluster.workload(start + options.livenessMs);
  const ok = cluster.runUntil(start + options.livenessMs, () =>
    live.every((replica) => replica.height >= target),
  );
  return { target, convergedMs: scheduler.now - start, ok };
}

/** `inspect` sees the cluster at the end of the run (for debugging a seed in a script). */
export function runSimulation(
  options: SimOptions,
  inspect?: (cluster: Cluster) => void,
): SimReport {
  const cluster = new Cluster(options);
  let failure: SimReport['failure'];
  let target = 0;
  let convergedMs = 0;
  try {
    cluster.start();
    cluster.workload(options.safetyMs);
    nemesis(cluster);
    governance(cluster);
    cluster.runUntil(options.safetyMs);
    const result = liveness(cluster);
    target = result.target;
    convergedMs = result.convergedMs;
    if (!result.ok) {
      const heights = cluster.heights().join(',');
      const message = `heights ${heights} did not all reach ${target} in ${options.livenessMs} ms`;
      failure = { invariant: 'L1', message, timeMs: cluster.scheduler.now };
    }
  } catch (error) {
    const invariant = error instanceof SimFailure ? error.invariant : 'crash';
    const message =
      error instanceof Error
        ? error instanceof SimFailure
          ? error.message
          : `${error.message}\n${error.stack ?? ''}`
        : String(error);
    failure = { invariant, message, timeMs: cluster.scheduler.now };
  }
  inspect?.(cluster);
  return report(cluster, { failure, target, convergedMs });
}

function report(
  cluster: Cluster,
  params: { failure: SimReport['failure']; target: number; convergedMs: number },
): SimReport {
  const { options, network } = cluster;
  const base = {
    seed: options.seed,
    ok: params.failure === undefined,
    classes: faultClasses(options),
    validators: options.validators,
    byzantine: options.byzantine.length,
    heights: cluster.heights(),
    targetHeight: params.target,
    convergedMs: params.convergedMs,
    stats: {
      commits: cluster.checker.commits,
      crashes: cluster.crashes,
      evidence: cluster.evidence,
      invalidMessages: cluster.invalidMessages,
      packetsSent: network.stats.sent,
      packetsLost: network.stats.lost + network.stats.blocked,
      walRecordsLost: cluster.replicas.reduce((sum, replica) => sum + replica.disk.lostRecords, 0),
    },
    trace: cluster.trace,
  };
  return params.failure === undefined ? base : { ...base, failure: params.failure };
}
