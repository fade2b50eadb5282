/** Hex and byte helpers: round trips and the strictness the wire format relies on. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AssertionError } from './assert.js';
import {
  bytesEqual,
  compareBytes,
  concatBytes,
  fromHex,
  fromUtf8,
  isHex,
  toHex,
  utf8,
} from './bytes.js';

describe('bytes: hex', () => {
  it('round-trips any bytes and matches Buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const hex = toHex(bytes);
        assert.equal(hex, Buffer.from(bytes).toString('hex'));
        assert.ok(isHex(hex, bytes.length));
        assert.deepEqual(fromHex(hex), bytes);
      }),
    );
  });

  it('accepts only lowercase, even-length hex without a prefix', () => {
    for (const bad of ['0', 'AB', '0x00', 'g0', ' 00', '00\n']) {
      assert.equal(isHex(bad), false, JSON.stringify(bad));
    }
    assert.ok(isHex(''));
    assert.equal(isHex('00', 2), false);
    assert.throws(() => fromHex('0'), AssertionError);
    assert.throws(() => fromHex('AB'), AssertionError);
    assert.throws(() => fromHex('zz'), AssertionError);
  });
});

describe('bytes: utf8 and comparison', () => {
  it('round-trips well-formed strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        assert.equal(fromUtf8(utf8(text)), text);
      }),
    );
  });

  it('refuses malformed UTF-8', () => {
    assert.throws(() => fromUtf8(Uint8Array.of(0xc3)));
  });

  it('compares lexicographically, shorter prefix first, like Buffer.compare', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ maxLength: 8 }), (a, b) => {
        assert.equal(Math.sign(compareBytes(a, b)), Buffer.compare(a, b));
        assert.equal(bytesEqual(a, b), Buffer.compare(a, b) === 0);
        assert.deepEqual(concatBytes(a, b), Uint8Array.from([...a, ...b]));
      }),
    );
  });
});
