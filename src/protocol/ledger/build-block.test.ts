/**
 * The header's transactions root is the RFC 6962 root over each transaction's leaf (hash
 * then signature). Block building writes the leaves into one reused buffer; proofs and
 * light clients build each leaf on its own with transactionLeaf. Both must give one root.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { ExecutedTransaction } from '../contracts/engine/types.js';
import { toHex } from '../core/bytes.js';
import { pureCrypto as crypto } from '../core/crypto.js';
import type { Hash } from '../core/hash.js';
import { merkleRoot } from '../core/merkle.js';
import { transactionsRoot } from './build-block.js';
import { type Transaction, transactionLeaf } from './transaction.js';

const hexBytes = (length: number) =>
  fc.uint8Array({ minLength: length, maxLength: length }).map((bytes) => toHex(bytes));

const entry = fc.record({ hash: hexBytes(32), signature: hexBytes(64) }).map(
  ({ hash, signature }): ExecutedTransaction => ({
    hash: hash as Hash,
    transaction: { signature } as Transaction,
  }),
);

describe('transactionsRoot', () => {
  it('equals the Merkle root over transactionLeaf of each transaction', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 40 }), (entries) => {
        const leaves = entries.map((e) => transactionLeaf(e.hash, e.transaction.signature));
        assert.equal(transactionsRoot(crypto, entries), toHex(merkleRoot(crypto, leaves)));
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a leaf whose hash or signature has the wrong length', () => {
    const short = { hash: 'ab'.repeat(31), transaction: { signature: 'cd'.repeat(64) } };
    assert.throws(() => transactionsRoot(crypto, [short as unknown as ExecutedTransaction]));
  });
});
