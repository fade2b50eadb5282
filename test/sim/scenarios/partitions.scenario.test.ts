/**
 * Partitions: the side with more than two thirds of the power keeps deciding; a side
 * without it halts and never forks; healing brings every replica to the same height.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectReach, heightsOf, range, scenario } from './dsl.js';

describe('consensus: partitions', () => {
  it('minority partitioned away: the majority keeps committing, the minority catches up', () => {
    const cluster = scenario({ validators: 4 });
    expectReach(cluster, { indexes: range(4), height: 2, withinMs: 2000 });
    cluster.partition([3], [0, 1, 2]);
    const stuck = cluster.replicas[3]!.height;
    expectReach(cluster, { indexes: [0, 1, 2], height: stuck + 5, withinMs: 5000 });
    assert.ok(cluster.replicas[3]!.height <= stuck + 1, 'the minority cannot decide alone');
    cluster.heal();
    const target = Math.max(...heightsOf(cluster, [0, 1, 2])) + 1;
    expectReach(cluster, { indexes: range(4), height: target, withinMs: 5000 });
  });

  it('majority partition: a 2|2 split has no quorum anywhere, halts, then resumes', () => {
    const cluster = scenario({ validators: 4 });
    expectReach(cluster, { indexes: range(4), height: 2, withinMs: 2000 });
    cluster.partition([0, 1], [2, 3]);
    cluster.runFor(200);
    const halted = heightsOf(cluster, range(4));
    cluster.runFor(4000);
    assert.deepEqual(heightsOf(cluster, range(4)), halted, 'no side decides without a quorum');
    cluster.heal();
    expectReach(cluster, { indexes: range(4), height: Math.max(...halted) + 3, withinMs: 10_000 });
  });

  it('one-way cut: a validator that can hear but not be heard does not stop the others', () => {
    const cluster = scenario({ validators: 4 });
    expectReach(cluster, { indexes: range(4), height: 2, withinMs: 2000 });
    cluster.cutOneWay([1], [0, 2, 3]);
    expectReach(cluster, { indexes: range(4), height: 6, withinMs: 8000 });
    cluster.heal();
    expectReach(cluster, { indexes: range(4), height: 8, withinMs: 5000 });
  });
});
