/**
 * Admission under overload, with signatures checked on a worker thread as in a running node:
 * once the mempool and the transactions waiting for the verifier fill the mempool's room,
 * further transactions are refused at once, before their signature is checked, and
 * admission resumes when a block makes room.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createMemoryNode, TEST_CHAIN_ID } from '../../testing/memory-node.js';
import { registrationWorkload } from '../../testing/workload.js';
import { sodiumSigner } from '../crypto/index.js';
import { VerifierPool } from './verifier-pool.js';

const pool = new VerifierPool(1);
after(() => pool.close());

describe('admission with a full mempool', () => {
  it('refuses before verifying, and admits again once a block makes room', async () => {
    let checks = 0;
    const verifier = Object.create(pool) as VerifierPool;
    verifier.verifyThen = (check, done) => {
      checks++;
      pool.verifyThen(check, done);
    };
    const chain = createMemoryNode('admission', { mempoolCapacity: 10, verifier });
    const transactions = registrationWorkload({
      chainId: TEST_CHAIN_ID,
      admin: chain.admins.hospital,
      startNonce: 0,
      count: 25,
      seed: 'admission',
      derivePublicKey: (seed) => sodiumSigner(seed).publicKey,
    });

    // One batch: all 25 arrive before any verification finishes.
    const first = await chain.node.submitMany(transactions.slice(0, 25));
    assert.deepEqual(
      first.map((result) => (result.ok ? 'ok' : result.problem.type)),
      [
        ...Array<string>(10).fill('ok'),
        ...Array<string>(15).fill('urn:medchain:problem:mempool_full'),
      ],
    );
    assert.equal(checks, 10, 'refused transactions reached the verifier');
    const refused = first[10]!;
    assert.ok(!refused.ok && refused.problem.status === 503);

    assert.equal(chain.node.produceBlock()?.transactionCount, 10);
    const retried = await chain.node.submitMany(transactions.slice(10, 20));
    assert.ok(
      retried.every((result) => result.ok),
      JSON.stringify(retried.find((result) => !result.ok)),
    );
    assert.equal(checks, 20);
  });
});
