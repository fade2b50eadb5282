/**
 * A small vocabulary for consensus scenarios over the simulator (STYLE P7): build a calm
 * cluster by hand, then crash, partition and run it, and read heights and certificates.
 * The state checker still runs underneath: any safety violation throws from runFor.
 */
import assert from 'node:assert/strict';
import { proposerOf } from '../../../src/protocol/consensus/validators.js';
import { Cluster } from '../../../src/testing/sim/cluster.js';
import { CALM_NETWORK } from '../../../src/testing/sim/network.js';
import { SIM_TIMEOUTS, type SimOptions } from '../../../src/testing/sim/options.js';

export function scenario(params: Partial<SimOptions> & { validators: number }): Cluster {
  const options: SimOptions = {
    seed: 1,
    spares: 0,
    powers: Array.from({ length: params.validators }, () => 10),
    byzantine: [],
    network: CALM_NETWORK,
    partitionRate: 0,
    oneWayRate: 0,
    crashRate: 0,
    clockSkew: false,
    validatorChange: false,
    safetyMs: 0,
    livenessMs: 0,
    timeouts: SIM_TIMEOUTS,
    fsyncMs: 1,
    appDelayMs: 1,
    ...params,
  };
  const cluster = new Cluster(options);
  cluster.start();
  cluster.workload(Number.POSITIVE_INFINITY);
  return cluster;
}

export function heightsOf(cluster: Cluster, indexes: readonly number[]): number[] {
  return indexes.map((index) => cluster.replicas[index]!.height);
}

/** Runs until every listed replica reaches `height`, failing after `withinMs`. */
export function expectReach(
  cluster: Cluster,
  params: { indexes: readonly number[]; height: number; withinMs: number },
): void {
  const deadline = cluster.scheduler.now + params.withinMs;
  const reached = cluster.runUntil(deadline, () =>
    params.indexes.every((index) => cluster.replicas[index]!.height >= params.height),
  );
  const heights = heightsOf(cluster, params.indexes).join(',');
  assert.ok(reached, `replicas [${params.indexes}] at [${heights}], wanted ${params.height}`);
}

/** Index of the replica that proposes round 0 of `height` (the set of the current one). */
export function proposerAt(cluster: Cluster, params: { index: number; height: number }): number {
  const state = cluster.replicas[params.index]!.engine!.state.current!;
  const key = proposerOf(state.table, params.height, 0);
  return cluster.replicas.findIndex((replica) => replica.key === key);
}

/** Index of the replica that proposes round 0 of the height `index` is working on. */
export function nextProposer(cluster: Cluster, index: number): number {
  const height = cluster.replicas[index]!.engine!.state.current!.height;
  return proposerAt(cluster, { index, height });
}

/** Who signed the certificate of `height`, as replica indexes, on replica `index`. */
export function signersAt(cluster: Cluster, index: number, height: number): number[] {
  const stored = cluster.replicas[index]!.store[height - 1];
  assert.ok(stored !== undefined, `replica ${index} has no block ${height}`);
  return stored.certificate.signatures.map((entry) =>
    cluster.replicas.findIndex((replica) => replica.key === entry.validator),
  );
}

export const range = (count: number): number[] => Array.from({ length: count }, (_, i) => i);
