/** Transactions built by the SDK verify under the protocol's own rules. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pureCrypto } from '../protocol/core/crypto.js';
import {
  decodeTransaction,
  transactionHash,
  verifyTransactionSignature,
} from '../protocol/ledger/transaction.js';
import {
  generateSigningKeyPair,
  publicKeyFromHex,
  publicKeyToHex,
  signerFromSeed,
} from './keys.js';
import { action, buildTransaction, InvalidTransactionError, identity } from './transactions.js';

describe('buildTransaction', () => {
  const signer = signerFromSeed(generateSigningKeyPair().seed);

  it('produces a transaction whose signature verifies', () => {
    const transaction = buildTransaction({
      chainId: 'medchain-local',
      signer,
      nonce: 3,
      ...identity.vote({ proposal: 1, approve: true }),
      expiresAt: 100,
    });
    assert.equal(transaction.signer, publicKeyToHex(signer.publicKey));
    assert.equal(transaction.action, 'vote');
    assert.equal(transaction.expiresAt, 100);
    assert.ok(verifyTransactionSignature(pureCrypto, transaction));
    assert.ok(decodeTransaction(JSON.parse(JSON.stringify(transaction))).ok);
    assert.match(transactionHash(pureCrypto, transaction), /^[0-9a-f]{64}$/);
  });

  it('fails verification once an argument is changed', () => {
    const transaction = buildTransaction({
      chainId: 'medchain-local',
      signer,
      nonce: 0,
      ...identity.deactivateMember({ member: 'member-1' }),
    });
    transaction.args = { member: 'member-2' };
    assert.ok(!verifyTransactionSignature(pureCrypto, transaction));
  });

  it('names the field when the shape is wrong', () => {
    assert.throws(
      () => buildTransaction({ chainId: 'Bad Chain', signer, nonce: 0, ...action('m', 'a') }),
      (error: unknown) => error instanceof InvalidTransactionError && error.field === 'chainId',
    );
    assert.throws(
      () => buildTransaction({ chainId: 'c', signer, nonce: -1, ...action('m', 'a') }),
      { field: 'nonce' },
    );
  });

  it('parses public keys typed by people', () => {
    const hex = publicKeyToHex(signer.publicKey);
    assert.equal(publicKeyToHex(publicKeyFromHex(`0x${hex.toUpperCase()} `)), hex);
    assert.throws(() => publicKeyFromHex('abc'), RangeError);
  });
});
