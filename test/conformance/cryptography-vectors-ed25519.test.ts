/**
 * The 1,024 Ed25519 vectors of Debian's python3-cryptography-vectors (SUPERCOP's sign.input,
 * which includes RFC 8032 section 7.1). Each line is secret‖public : public : message :
 * signature‖message. Every implementation must derive the key, sign identically and verify.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { nodeCrypto, nodeSigner } from '../../src/node/crypto/node-crypto.js';
import { sodiumCrypto, sodiumSigner } from '../../src/node/crypto/sodium-crypto.js';
import { fromHex, toHex } from '../../src/protocol/core/bytes.js';
import { pureCrypto, seedSigner } from '../../src/protocol/core/crypto.js';
import { requirePath } from './corpora.js';

const SIGN_INPUT =
  '/usr/lib/python3/dist-packages/cryptography_vectors/asymmetric/Ed25519/sign.input';

const IMPLEMENTATIONS = [
  { crypto: sodiumCrypto, signer: sodiumSigner },
  { crypto: nodeCrypto, signer: nodeSigner },
  { crypto: pureCrypto, signer: seedSigner },
];

describe('conformance: python3-cryptography-vectors Ed25519 sign.input', () => {
  it('derives, signs and verifies every vector in every implementation', () => {
    const file = requirePath(
      SIGN_INPUT,
      'Debian package python3-cryptography-vectors (apt-get install -y python3-cryptography-vectors)',
    );
    const lines = readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line !== '');
    for (const line of lines) {
      const [secret, publicHex, messageHex, signed] = line.split(':');
      assert.ok(secret && publicHex && messageHex !== undefined && signed, `bad line: ${line}`);
      const seed = fromHex(secret.slice(0, 64));
      const message = fromHex(messageHex);
      const signatureHex = signed.slice(0, 128);
      for (const { crypto, signer } of IMPLEMENTATIONS) {
        const key = signer(seed);
        const where = `${crypto.name}, message of ${message.length} bytes`;
        assert.equal(toHex(key.publicKey), publicHex, where);
        assert.equal(toHex(key.sign(message)), signatureHex, where);
        assert.ok(crypto.verifyEd25519(fromHex(signatureHex), message, key.publicKey), where);
      }
    }
    assert.equal(lines.length, 1024, `expected 1,024 vectors in ${file}`);
    console.log(
      `cryptography-vectors Ed25519: ${lines.length} vectors checked x 3 implementations`,
    );
  });
});
