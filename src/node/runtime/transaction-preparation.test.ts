/**
 * A batch prepared from its JSON text (as a verifier thread does) says of each
 * transaction what preparing it alone says: refused and why, or its hash and signing
 * bytes, with its signature checked.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromHex } from '../../protocol/core/bytes.js';
import type { Transaction } from '../../protocol/ledger/transaction.js';
import { registrationWorkload } from '../../testing/workload.js';
import { sha256Bytes, sodiumCrypto, sodiumSigner } from '../crypto/index.js';
import {
  PREPARED_BAD_SIGNATURE,
  PREPARED_REFUSED,
  PREPARED_VALID,
  prepareBatch,
  prepareTransaction,
} from './transaction-preparation.js';

const verify = (transaction: Transaction, message: Uint8Array) =>
  sodiumCrypto.verifyEd25519(fromHex(transaction.signature), message, fromHex(transaction.signer));

/** Valid, bad signature, not a transaction, too large, missing a field: in turn. */
function mixedBatch(count: number): unknown[] {
  const admin = sodiumSigner(new Uint8Array(32).fill(3));
  const signed = registrationWorkload({
    chainId: 'medchain-test',
    admin,
    startNonce: 0,
    count,
    seed: 'preparation',
    derivePublicKey: (seed) => sodiumSigner(seed).publicKey,
  });
  return signed.map((transaction, index): unknown => {
    switch (index % 5) {
      case 1: {
        const flipped = transaction.signature[0] === '0' ? '1' : '0';
        return { ...transaction, signature: flipped + transaction.signature.slice(1) };
      }
      case 2:
        return 'not a transaction';
      case 3:
        return { ...transaction, args: { ...transaction.args, note: 'x'.repeat(70_000) } };
      case 4: {
        const { nonce: _nonce, ...withoutNonce } = transaction;
        return withoutNonce;
      }
      default:
        return transaction;
    }
  });
}

describe('preparing a batch from its JSON text', () => {
  it('agrees with preparing each transaction alone', () => {
    const values = mixedBatch(20);
    const batch = prepareBatch(JSON.stringify({ transactions: values }), 20, sha256Bytes, verify);
    const refusals = new Map(batch.refusals);
    let start = 0;
    for (let index = 0; index < values.length; index++) {
      const alone = prepareTransaction(values[index], sha256Bytes);
      const end = batch.ends[index]!;
      if (alone.ok) {
        assert.equal(batch.hashes[index], alone.entry.hash);
        assert.deepEqual(
          new Uint8Array(batch.signing, start, end - start),
          alone.entry.signingBytes,
        );
        const valid = verify(alone.entry.transaction, alone.entry.signingBytes);
        const expected = valid ? PREPARED_VALID : PREPARED_BAD_SIGNATURE;
        assert.equal(batch.statuses[index], expected, `item ${index}`);
        assert.equal(valid, index % 5 === 0, `item ${index}`);
      } else {
        assert.equal(batch.statuses[index], PREPARED_REFUSED);
        assert.equal(batch.hashes[index], '');
        assert.equal(end, start, 'a refused item has no signing bytes');
        assert.deepEqual(refusals.get(index), alone.refusal);
      }
      start = end;
    }
    assert.deepEqual([...new Set(batch.refusals.map(([, refusal]) => refusal.code))].sort(), [
      'invalid_transaction',
      'payload_too_large',
    ]);
  });

  it('prepares only the first `limit` transactions', () => {
    const values = mixedBatch(10);
    const batch = prepareBatch(JSON.stringify({ transactions: values }), 4, sha256Bytes, verify);
    assert.equal(batch.statuses.length, 4);
    assert.equal(batch.hashes.length, 4);
    assert.equal(batch.ends.length, 4);
    assert.ok(batch.refusals.every(([index]) => index < 4));
  });
});
