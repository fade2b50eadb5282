/**
 * f + 1 crashed validators: the rest cannot form a quorum, so the chain halts (safely:
 * nothing is committed without one); when one returns, the chain resumes. A validator whose
 * WAL is lost (amnesia) refuses to start rather than risk signing twice.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectReach, heightsOf, range, scenario } from './dsl.js';

describe('consensus: crashes beyond f', () => {
  it('f+1 crashed halts safely and resumes when one returns (N=4, f=1)', () => {
    const cluster = scenario({ validators: 4 });
    expectReach(cluster, { indexes: range(4), height: 3, withinMs: 2000 });
    cluster.crash(1);
    cluster.crash(2);
    cluster.runFor(300);
    const halted = heightsOf(cluster, [0, 3]);
    cluster.runFor(5000);
    assert.deepEqual(heightsOf(cluster, [0, 3]), halted, 'two of four cannot decide');
    cluster.restart(2);
    expectReach(cluster, { indexes: [0, 2, 3], height: Math.max(...halted) + 3, withinMs: 15_000 });
    cluster.restart(1);
    expectReach(cluster, { indexes: range(4), height: Math.max(...halted) + 5, withinMs: 15_000 });
  });

  it('amnesia: a validator whose WAL is lost refuses to start; the others go on', () => {
    const cluster = scenario({ validators: 4 });
    expectReach(cluster, { indexes: range(4), height: 3, withinMs: 2000 });
    cluster.crash(2);
    cluster.replicas[2]!.disk.wipe();
    cluster.restart(2);
    assert.equal(cluster.replicas[2]!.up, false);
    assert.match(cluster.replicas[2]!.refused ?? '', /write-ahead log/);
    expectReach(cluster, { indexes: [0, 1, 3], height: 8, withinMs: 5000 });
  });
});
