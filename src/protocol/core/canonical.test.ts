/**
 * RFC 8785 canonicalization: the RFC's own examples (sections 3.2.2 and 3.2.3, appendix B
 * numbers) and a differential test against the `canonicalize` package by the RFC's author.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import canonicalizeReference from 'canonicalize';
import fc from 'fast-check';
import { toHex, utf8 } from './bytes.js';
import {
  CanonicalEncodingError,
  canonicalBytes,
  canonicalBytesAfter,
  canonicalize,
} from './canonical.js';

/** RFC 8785 appendix B: IEEE 754 bit patterns and their required serialization. */
const APPENDIX_B: [string, string][] = [
  ['0000000000000000', '0'],
  ['8000000000000000', '0'],
  ['0000000000000001', '5e-324'],
  ['8000000000000001', '-5e-324'],
  ['7fefffffffffffff', '1.7976931348623157e+308'],
  ['ffefffffffffffff', '-1.7976931348623157e+308'],
  ['4340000000000000', '9007199254740992'],
  ['c340000000000000', '-9007199254740992'],
  ['4430000000000000', '295147905179352830000'],
  ['44b52d02c7e14af5', '9.999999999999997e+22'],
  ['44b52d02c7e14af6', '1e+23'],
  ['44b52d02c7e14af7', '1.0000000000000001e+23'],
  ['444b1ae4d6e2ef4e', '999999999999999700000'],
  ['444b1ae4d6e2ef4f', '999999999999999900000'],
  ['444b1ae4d6e2ef50', '1e+21'],
  ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
  ['3eb0c6f7a0b5ed8d', '0.000001'],
  ['41b3de4355555553', '333333333.3333332'],
  ['41b3de4355555554', '333333333.33333325'],
  ['41b3de4355555555', '333333333.3333333'],
  ['41b3de4355555556', '333333333.3333334'],
  ['41b3de4355555557', '333333333.33333343'],
  ['becbf647612f3696', '-0.0000033333333333333333'],
  ['43143ff3c1cb0959', '1424953923781206.2'],
];

function fromBits(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

describe('canonical: RFC 8785 examples', () => {
  it('section 3.2.2: the sample object', () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",' +
        ' "literals": [null, true, false]}',
    );
    const expected =
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
      '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}';
    assert.equal(canonicalize(input), expected);
  });

  it('section 3.2.3: keys sort by UTF-16 code units', () => {
    const input: Record<string, string> = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    // Compared as text: parsing would move the integer-like key "1" first again.
    const order = ['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33'];
    const members = order.map((key) => `${JSON.stringify(key)}:${JSON.stringify(input[key])}`);
    assert.equal(canonicalize(input), `{${members.join(',')}}`);
  });

  it('section 3.2.4: UTF-8 output', () => {
    assert.equal(toHex(canonicalBytes({ '€': 'ö' })), '7b22e282ac223a22c3b6227d');
  });

  it('appendix B: number serialization', () => {
    for (const [bits, expected] of APPENDIX_B) {
      assert.equal(canonicalize(fromBits(bits)), expected, bits);
    }
  });

  it('appendix B: NaN and Infinity are errors', () => {
    for (const bits of ['7fffffffffffffff', '7ff0000000000000', 'fff0000000000000']) {
      assert.throws(() => canonicalize([fromBits(bits)]), CanonicalEncodingError);
    }
  });
});

describe('canonical: values JSON cannot carry', () => {
  it('rejects lone surrogates, non-plain objects, bigint, functions and undefined', () => {
    const bad: unknown[] = ['\ud800', { '\udc00': 1 }, 'a\udbffb', new Date(0), [1n], () => 1];
    for (const value of bad) {
      assert.throws(() => canonicalize(value), CanonicalEncodingError);
    }
    assert.throws(() => canonicalize(undefined), CanonicalEncodingError);
  });

  it('omits object members whose value is undefined, as JSON.stringify does', () => {
    assert.equal(canonicalize({ b: 1, a: undefined }), '{"b":1}');
    assert.equal(canonicalize(Object.create(null)), '{}');
  });
});

describe('canonical: differential against the canonicalize package', () => {
  it('agrees on random JSON values', () => {
    const json = fc.jsonValue({ maxDepth: 4, stringUnit: 'binary' });
    fc.assert(
      fc.property(json, (value) => {
        assert.equal(canonicalize(value), canonicalizeReference(value));
      }),
      { numRuns: 1000 },
    );
  });

  it('agrees on random doubles, including extreme exponents', () => {
    const doubles = fc.double({ noNaN: true, noDefaultInfinity: true });
    fc.assert(
      fc.property(doubles, (value) => {
        assert.equal(canonicalize([value]), canonicalizeReference([value]));
      }),
      { numRuns: 2000 },
    );
  });

  it('writes the same UTF-8 bytes as encoding the reference string', () => {
    const json = fc.jsonValue({ maxDepth: 4, stringUnit: 'binary' });
    fc.assert(
      fc.property(json, (value) => {
        assert.deepEqual(canonicalBytes(value), utf8(canonicalizeReference(value)!));
      }),
      { numRuns: 1000 },
    );
  });

  it('is stable: parsing canonical output and encoding again changes nothing', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const once = canonicalize(value);
        assert.equal(canonicalize(JSON.parse(once)), once);
      }),
    );
  });
});

describe('canonical: the arrays it returns', () => {
  it('are independent: later encodings leave earlier results as they were', () => {
    const first = canonicalBytes({ id: 'first', n: 1 });
    const copy = Uint8Array.from(first);
    for (let i = 0; i < 2_000; i++) {
      canonicalBytes({ filler: 'x'.repeat(i % 300), i });
    }
    assert.deepEqual(first, copy);
  });

  it('put a prefix first when asked, as one array', () => {
    const prefix = utf8('medchain:tx:v1\n');
    const bytes = canonicalBytesAfter(prefix, { b: 2, a: 1 });
    assert.equal(new TextDecoder().decode(bytes), 'medchain:tx:v1\n{"a":1,"b":2}');
  });

  it('stay correct when a getter encodes while an encoding is under way', () => {
    const inner = { z: [1, 2, 3] };
    const outer = {
      get a() {
        return toHex(canonicalBytes(inner));
      },
      b: 'after',
    };
    const expected = `{"a":"${toHex(utf8('{"z":[1,2,3]}'))}","b":"after"}`;
    assert.equal(canonicalize(outer), expected);
  });

  it('hold values larger than the shared buffer', () => {
    const large = { text: 'é'.repeat(200_000), list: Array.from({ length: 5_000 }, (_, i) => i) };
    assert.deepEqual(canonicalBytes(large), utf8(canonicalizeReference(large)!));
    assert.deepEqual(canonicalBytes({ small: true }), utf8('{"small":true}'));
  });
});
