/**
 * The verifier pool answers each check with the signature's validity, in the order asked,
 * whether it checks on worker threads or, with none, on the calling thread; and it sizes
 * its threads to the validator's share of the machine.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { toHex } from '../../protocol/core/bytes.js';
import { sodiumCrypto, sodiumSigner } from '../crypto/index.js';
import { defaultVerifierThreads, type SignatureCheck, VerifierPool } from './verifier-pool.js';

const onThread = (signature: Uint8Array, message: Uint8Array, key: Uint8Array) =>
  sodiumCrypto.verifyEd25519(signature, message, key);
const threaded = new VerifierPool(1);
const inline = new VerifierPool(0, onThread);
after(() => Promise.all([threaded.close(), inline.close()]));

function checks(): { checks: SignatureCheck[]; expected: boolean[] } {
  const signer = sodiumSigner(new Uint8Array(32).fill(7));
  const other = sodiumSigner(new Uint8Array(32).fill(8));
  const list: SignatureCheck[] = [];
  const expected: boolean[] = [];
  for (let i = 0; i < 40; i++) {
    const message = new TextEncoder().encode(`message ${i}`);
    const signature = signer.sign(message);
    const kind = i % 4;
    if (kind === 1) {
      signature[i % 64]! ^= 1;
    }
    const signed = kind === 2 ? new TextEncoder().encode(`message ${i}!`) : message;
    const key = kind === 3 ? other.publicKey : signer.publicKey;
    list.push({ signatureHex: toHex(signature), publicKeyHex: toHex(key), message: signed });
    expected.push(kind === 0);
  }
  return { checks: list, expected };
}

describe('verifier pool', () => {
  for (const [name, pool] of [
    ['on a worker thread', threaded],
    ['on the calling thread', inline],
  ] as const) {
    it(`${name}, accepts valid signatures only, answering each check in order`, async () => {
      const { checks: list, expected } = checks();
      const results = await Promise.all(list.map((check) => pool.verify(check)));
      assert.deepEqual(results, expected);
    });
  }

  it('needs a function to verify with when it has no threads', () => {
    assert.throws(() => new VerifierPool(0), /needs a function/);
  });

  it("gives a validator one thread less than its share of the machine's cores", () => {
    assert.equal(defaultVerifierThreads(2, 1), 1, 'one validator, two cores');
    assert.equal(defaultVerifierThreads(2, 4), 0, 'four validators, two cores');
    assert.equal(defaultVerifierThreads(2, 2), 0);
    assert.equal(defaultVerifierThreads(1, 1), 0);
    assert.equal(defaultVerifierThreads(8, 4), 1);
    assert.equal(defaultVerifierThreads(16, 1), 15);
  });
});
