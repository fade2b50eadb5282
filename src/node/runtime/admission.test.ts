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
import type { SubmitResult } from '../api/backend.js';
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

describe('a client batch prepared on the verifier thread', () => {
  let prepared = 0;
  let checks = 0;
  const verifier = Object.create(pool) as VerifierPool;
  verifier.prepareBatch = (text, limit, done) => {
    prepared++;
    pool.prepareBatch(text, limit, done);
  };
  verifier.verifyThen = (check, done) => {
    checks++;
    pool.verifyThen(check, done);
  };

  /** Valid, waiting already, bad signature, malformed, nonce gap, then valid again. */
  function mixed(chain: ReturnType<typeof createMemoryNode>): unknown[] {
    const signed = registrationWorkload({
      chainId: TEST_CHAIN_ID,
      admin: chain.admins.hospital,
      startNonce: 0,
      count: 12,
      seed: 'batch',
      derivePublicKey: (seed) => sodiumSigner(seed).publicKey,
    });
    const badSignature = { ...signed[3]!, signature: `${signed[3]!.signature.slice(0, -1)}0` };
    return [
      ...signed.slice(0, 3),
      signed[1], // already waiting
      badSignature,
      { ...signed[4]!, nonce: 'four' },
      signed[5], // nonce gap: 3 and 4 were refused
      ...signed.slice(3),
    ];
  }
  const codes = (results: SubmitResult[]) =>
    results.map((result) => (result.ok ? 'ok' : result.problem.type.split(':').at(-1)));

  it('is admitted exactly as the same batch prepared transaction by transaction', async () => {
    const threaded = createMemoryNode('batch', { verifier });
    const alone = createMemoryNode('batch', { verifier });
    const values = mixed(threaded);
    [prepared, checks] = [0, 0];
    const results = await threaded.node.submitMany(
      values,
      JSON.stringify({ transactions: values }),
    );
    assert.equal(prepared, 1);
    assert.equal(checks, 0, 'the thread checked the signatures');
    assert.deepEqual(results, await alone.node.submitMany(values));
    assert.deepEqual(codes(results), [
      ...['ok', 'ok', 'ok', 'duplicate_transaction', 'bad_signature', 'invalid_transaction'],
      ...['nonce_gap', ...Array<string>(9).fill('ok')],
    ]);
    assert.equal(threaded.node.produceBlock()?.transactionCount, 12);
  });

  it('is prepared here when the thread cannot, with the same results', async () => {
    const failing = Object.create(pool) as VerifierPool;
    failing.prepareBatch = (_text, _limit, done) => setImmediate(() => done(undefined));
    const chain = createMemoryNode('batch', { verifier: failing });
    const alone = createMemoryNode('batch', { verifier });
    const values = mixed(chain);
    const results = await chain.node.submitMany(values, JSON.stringify({ transactions: values }));
    assert.deepEqual(results, await alone.node.submitMany(values));
    assert.equal(chain.node.produceBlock()?.transactionCount, 12);
  });

  it('sends the thread only what there is room for, and refuses the rest at once', async () => {
    const chain = createMemoryNode('batch', { verifier, mempoolCapacity: 10 });
    const values = mixed(chain);
    const results = await chain.node.submitMany(values, JSON.stringify({ transactions: values }));
    // Room is counted in transactions sent: the refused ones took theirs until the thread
    // answered, as transactions waiting for their signature check do.
    assert.deepEqual(codes(results), [
      ...['ok', 'ok', 'ok', 'duplicate_transaction', 'bad_signature', 'invalid_transaction'],
      ...['nonce_gap', 'ok', 'ok', 'ok', ...Array<string>(6).fill('mempool_full')],
    ]);
  });
});
