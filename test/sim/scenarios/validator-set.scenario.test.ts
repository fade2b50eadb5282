/**
 * Validator set changes by vote: governance transactions signed off by more than two thirds
 * of the power add a validator and remove one; each change decides blocks from the height
 * after the block that passed it, and certificates follow the set of their own height.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectReach, range, scenario, signersAt } from './dsl.js';

describe('consensus: validator set changes', () => {
  it('a validator added and one removed by vote (N=4 → 5 → 4)', () => {
    const cluster = scenario({ validators: 4, spares: 1 });
    expectReach(cluster, { indexes: range(5), height: 2, withinMs: 2000 });
    for (const voter of range(4)) {
      cluster.submit(`gov:add:4:${voter}`, { to: range(5) });
    }
    expectReach(cluster, { indexes: range(5), height: 6, withinMs: 5000 });
    const added = cluster.replicas[0]!.app.validatorsFor(cluster.replicas[0]!.height + 1);
    assert.ok(added.some((validator) => validator.publicKey === cluster.replicas[4]!.key));
    assert.equal(added.length, 5);
    for (const voter of range(5)) {
      cluster.submit(`gov:remove:0:${voter}`, { to: range(5) });
    }
    expectReach(cluster, { indexes: range(5), height: 12, withinMs: 5000 });
    const app = cluster.replicas[1]!.app;
    const final = app.validatorsFor(app.height + 1).map((validator) => validator.publicKey);
    assert.ok(!final.includes(cluster.replicas[0]!.key), 'node 0 was voted out');
    // The new validator signs certificates; the removed one no longer does.
    const last = cluster.replicas[1]!.height;
    assert.ok(
      signersAt(cluster, 1, last).includes(4) || signersAt(cluster, 1, last - 1).includes(4),
    );
    assert.ok(!signersAt(cluster, 1, last).includes(0));
    // With node 0 out, the chain needs the newcomer: crash another and it stalls only if
    // the newcomer's vote were not counted. Four validators of power 10 tolerate one crash.
    cluster.crash(1);
    expectReach(cluster, { indexes: [0, 2, 3, 4], height: last + 4, withinMs: 10_000 });
  });
});
