/**
 * Every Crypto must give identical answers, or validators running different builds fork.
 * RFC 8032 vectors pin each one to the standard; differential tests on random keys, random
 * corruptions and hand-built edge cases (torsion points, R = identity, S + L) pin them to
 * each other.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { RFC8032_VECTORS } from '../../../test/vectors/rfc8032.js';
import { type Bytes, concatBytes, fromHex, toHex, utf8 } from '../../protocol/core/bytes.js';
import { type Crypto, pureCrypto, type Signer, seedSigner } from '../../protocol/core/crypto.js';
import { nodeCrypto, nodeSigner } from './node-crypto.js';
import {
  CryptoSelectionError,
  cryptoByName,
  cryptoFromEnvironment,
  defaultCrypto,
  signerByName,
} from './select-crypto.js';
import { sodiumCrypto, sodiumSigner } from './sodium-crypto.js';

const IMPLEMENTATIONS: { crypto: Crypto; signer: (seed: Bytes) => Signer }[] = [
  { crypto: sodiumCrypto, signer: sodiumSigner },
  { crypto: nodeCrypto, signer: nodeSigner },
  { crypto: pureCrypto, signer: seedSigner },
];
const CRYPTOS = IMPLEMENTATIONS.map((item) => item.crypto);

function verdicts(signature: Bytes, message: Bytes, publicKey: Bytes): boolean[] {
  return CRYPTOS.map((crypto) => crypto.verifyEd25519(signature, message, publicKey));
}

describe('crypto: RFC 8032 section 7.1 vectors', () => {
  for (const { crypto, signer } of IMPLEMENTATIONS) {
    for (const vector of RFC8032_VECTORS) {
      it(`${crypto.name}: ${vector.name}`, () => {
        const key = signer(fromHex(vector.secretKey));
        const message = fromHex(vector.message);
        assert.equal(toHex(key.publicKey), vector.publicKey);
        assert.equal(toHex(key.sign(message)), vector.signature);
        const signature = fromHex(vector.signature);
        assert.ok(crypto.verifyEd25519(signature, message, key.publicKey));
        const other = concatBytes(message, Uint8Array.of(0));
        assert.equal(crypto.verifyEd25519(signature, other, key.publicKey), false);
      });
    }
  }
});

describe('crypto: SHA-256', () => {
  it('matches FIPS 180-2 answers in every implementation', () => {
    const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    const empty = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    for (const crypto of CRYPTOS) {
      assert.equal(toHex(crypto.sha256(utf8('abc'))), abc, crypto.name);
      assert.equal(toHex(crypto.sha256(new Uint8Array(0))), empty, crypto.name);
      // A view into a larger buffer must hash only the view.
      assert.equal(toHex(crypto.sha256(utf8('xabcx').subarray(1, 4))), abc, crypto.name);
    }
  });

  it('agrees across implementations on random input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
        const hashes = CRYPTOS.map((crypto) => toHex(crypto.sha256(data)));
        assert.equal(new Set(hashes).size, 1);
      }),
    );
  });
});

describe('crypto: differential Ed25519', () => {
  it('signs identically and agrees on verification, also after corruption', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 200 }),
        fc.nat({ max: 64 * 8 - 1 }),
        (seed, message, bit) => {
          const signers = IMPLEMENTATIONS.map((item) => item.signer(seed));
          const signatures = signers.map((signer) => toHex(signer.sign(message)));
          assert.equal(new Set(signatures).size, 1, 'signatures differ');
          assert.equal(new Set(signers.map((signer) => toHex(signer.publicKey))).size, 1);
          const publicKey = signers[0]!.publicKey;
          const signature = fromHex(signatures[0]!);
          assert.deepEqual(verdicts(signature, message, publicKey), [true, true, true]);
          const corrupted = signature.slice();
          corrupted[bit >> 3]! ^= 1 << (bit & 7);
          assert.deepEqual(verdicts(corrupted, message, publicKey), [false, false, false]);
          const flippedKey = publicKey.slice();
          flippedKey[bit & 31]! ^= 1 << (bit & 7);
          const onOtherKey = verdicts(signature, message, flippedKey);
          assert.deepEqual(onOtherKey, [false, false, false]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('agrees on random garbage signatures and keys', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (signature, publicKey) => {
          const result = verdicts(signature, utf8('m'), publicKey);
          assert.equal(new Set(result).size, 1);
        },
      ),
    );
  });

  it('rejects wrong lengths without throwing', () => {
    const signer = sodiumSigner(new Uint8Array(32).fill(1));
    const signature = signer.sign(utf8('m'));
    assert.deepEqual(verdicts(signature.subarray(1), utf8('m'), signer.publicKey), [
      false,
      false,
      false,
    ]);
    assert.deepEqual(verdicts(signature, utf8('m'), signer.publicKey.subarray(1)), [
      false,
      false,
      false,
    ]);
  });
});

const GROUP_ORDER = 2n ** 252n + 27742317777372353535851937790883648493n;
const Point = ed25519.Point;
/** A point of order 8. */
const TORSION = Point.fromBytes(
  fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'),
);

function littleEndian(bytes: Bytes): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) {
    value = (value << 8n) | BigInt(bytes[i]!);
  }
  return value;
}

function scalarBytes(value: bigint): Bytes {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    out[i] = Number((value >> BigInt(8 * i)) & 255n);
  }
  return out;
}

/** A signature the key holder builds by hand from chosen R and A encodings. */
function craft(R: Bytes, A: Bytes, s: (k: bigint) => bigint, message: Bytes): Bytes {
  const k = littleEndian(sha512(concatBytes(R, A, message))) % GROUP_ORDER;
  return concatBytes(R, scalarBytes(s(k)));
}

describe('crypto: hand-built edge cases that split OpenSSL, noble and libsodium', () => {
  it('all implementations agree (libsodium rules)', () => {
    const seen = new Map<string, number>();
    for (let i = 1; i <= 48; i++) {
      const a = BigInt(i) * 7919n + 12345n;
      const r = BigInt(i) * 104729n + 99n;
      const message = Uint8Array.of(i);
      const A = Point.BASE.multiply(a).toBytes();
      const R = Point.BASE.multiply(r).toBytes();
      const torsionA = Point.BASE.multiply(a).add(TORSION).toBytes();
      const torsionR = Point.BASE.multiply(r).add(TORSION).toBytes();
      const cases: [string, Bytes, Bytes][] = [
        ['identity R', craft(Point.ZERO.toBytes(), A, (k) => (k * a) % GROUP_ORDER, message), A],
        ['torsion R', craft(torsionR, A, (k) => (r + k * a) % GROUP_ORDER, message), A],
        ['torsion A', craft(R, torsionA, (k) => (r + k * a) % GROUP_ORDER, message), torsionA],
        ['S + L', craft(R, A, (k) => ((r + k * a) % GROUP_ORDER) + GROUP_ORDER, message), A],
        [
          'identity A',
          craft(Point.ZERO.toBytes(), Point.ZERO.toBytes(), () => 0n, message),
          Point.ZERO.toBytes(),
        ],
      ];
      for (const [name, signature, publicKey] of cases) {
        const result = verdicts(signature, message, publicKey);
        assert.equal(new Set(result).size, 1, `${name} #${i}: ${result.join(', ')}`);
        const key = `${name}: ${result[0]}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
    }
    assert.equal(seen.get('identity R: true'), undefined);
    assert.equal(seen.get('torsion R: true'), undefined);
    assert.equal(seen.get('identity A: true'), undefined);
  });
});

describe('crypto: selection', () => {
  it('defaults to libsodium and picks by name', () => {
    assert.equal(defaultCrypto.name, 'sodium');
    assert.equal(cryptoFromEnvironment({}).name, 'sodium');
    assert.equal(cryptoFromEnvironment({ MEDCHAIN_CRYPTO: 'node' }).name, 'node');
    assert.equal(cryptoFromEnvironment({ MEDCHAIN_CRYPTO: 'noble' }).name, 'noble');
    assert.equal(cryptoByName('sodium'), sodiumCrypto);
    assert.throws(() => cryptoByName('openssl'), CryptoSelectionError);
    assert.throws(() => cryptoFromEnvironment({ MEDCHAIN_CRYPTO: 'x' }), CryptoSelectionError);
    const seed = new Uint8Array(32).fill(3);
    assert.deepEqual(signerByName('node', seed).publicKey, sodiumSigner(seed).publicKey);
  });
});
