/** A proposer that crashes costs one round (a view change by timeout), never safety. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectReach, nextProposer, proposerAt, range, scenario } from './dsl.js';

describe('consensus: view change', () => {
  it('proposer crashes at the start of a height: the next round decides (N=4, f=1)', () => {
    const cluster = scenario({ validators: 4 });
    expectReach(cluster, { indexes: range(4), height: 3, withinMs: 2000 });
    // The proposer of the height after the one in progress: it cannot have proposed yet.
    const height = cluster.replicas[0]!.engine!.state.current!.height + 1;
    const proposer = proposerAt(cluster, { index: 0, height });
    cluster.crash(proposer);
    const others = range(4).filter((index) => index !== proposer);
    expectReach(cluster, { indexes: others, height: height + 2, withinMs: 5000 });
    const rounds = others.map((index) => cluster.replicas[index]!.store[height - 1]!.certificate);
    assert.ok(
      rounds.some((certificate) => certificate.round >= 1),
      'the height the crashed proposer owned was decided in a later round',
    );
    cluster.restart(proposer);
    expectReach(cluster, { indexes: range(4), height: height + 4, withinMs: 5000 });
  });

  it('proposer crashes with its proposal half sent, then restarts from its WAL (N=4)', () => {
    const cluster = scenario({ validators: 4, fsyncMs: 3 });
    expectReach(cluster, { indexes: range(4), height: 2, withinMs: 2000 });
    for (let i = 0; i < 5; i++) {
      const proposer = nextProposer(cluster, 0);
      // Crash mid-height, somewhere between building, persisting and sending.
      cluster.runFor(18 + i * 7);
      cluster.crash(proposer);
      cluster.runFor(300);
      cluster.restart(proposer);
      cluster.runFor(200);
    }
    expectReach(cluster, { indexes: range(4), height: 8, withinMs: 8000 });
  });
});
