/**
 * Wycheproof Ed25519 (C2SP/wycheproof): edge cases such as non-canonical S, small-order
 * points and truncated signatures, against every Crypto. "valid" must verify and "invalid"
 * must not. "acceptable" vectors (none in the current file) may go either way by the
 * standard, but medchain requires all implementations to agree on them, since a
 * disagreement would fork the chain.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { nodeCrypto } from '../../src/node/crypto/node-crypto.js';
import { sodiumCrypto } from '../../src/node/crypto/sodium-crypto.js';
import { fromHex } from '../../src/protocol/core/bytes.js';
import { pureCrypto } from '../../src/protocol/core/crypto.js';
import { corpusPath } from './corpora.js';

interface WycheproofTest {
  tcId: number;
  comment: string;
  msg: string;
  sig: string;
  result: 'valid' | 'invalid' | 'acceptable';
}

interface WycheproofGroup {
  publicKey: { pk: string };
  tests: WycheproofTest[];
}

function ed25519File(): string {
  const folder = corpusPath('wycheproof', 'Wycheproof vectors (wycheproof/)');
  const name = readdirSync(folder).find((file) => /^ed25519.*\.json$/.test(file));
  assert.ok(name !== undefined, `no ed25519*.json in ${folder}`);
  return join(folder, name);
}

/** Wycheproof hex may have odd length for deliberately truncated fields. */
function hexBytes(hex: string): Uint8Array {
  return hex.length % 2 === 0 ? fromHex(hex) : Uint8Array.from(Buffer.from(`0${hex}`, 'hex'));
}

describe('conformance: Wycheproof Ed25519', () => {
  it('every implementation gives the expected result on every vector', () => {
    const file = ed25519File();
    const data = JSON.parse(readFileSync(file, 'utf8')) as { testGroups: WycheproofGroup[] };
    const counts = { valid: 0, invalid: 0, acceptable: 0 };
    const cryptos = [sodiumCrypto, nodeCrypto, pureCrypto];
    for (const group of data.testGroups) {
      const publicKey = hexBytes(group.publicKey.pk);
      for (const test of group.tests) {
        const signature = hexBytes(test.sig);
        const message = hexBytes(test.msg);
        const results = cryptos.map((crypto) =>
          crypto.verifyEd25519(signature, message, publicKey),
        );
        const label = `tcId ${test.tcId} (${test.comment}): ${results.join(', ')}`;
        assert.equal(new Set(results).size, 1, `implementations disagree on ${label}`);
        if (test.result !== 'acceptable') {
          assert.equal(results[0], test.result === 'valid', label);
        }
        counts[test.result]++;
      }
    }
    const total = counts.valid + counts.invalid + counts.acceptable;
    assert.ok(total > 0, `no vectors in ${file}`);
    console.log(
      `Wycheproof Ed25519: ${total} vectors checked x 3 implementations ` +
        `(${counts.valid} valid, ${counts.invalid} invalid, ${counts.acceptable} acceptable)`,
    );
  });
});
