/** Keystore round trips, and the ways opening one must fail. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesEqual } from '../protocol/core/bytes.js';
import { KeystoreError } from './errors.js';
import { generateParticipantKeys } from './keys.js';
import {
  decryptKeystore,
  encryptKeystore,
  parseKeystore,
  plaintextKeystore,
  SCRYPT_DEFAULTS,
} from './keystore.js';

// Low cost keeps the suite fast; one test below runs the real defaults.
const FAST = { N: 2 ** 10, r: 8, p: 1 };
const CREATED = new Date('2026-01-02T03:04:05.000Z');

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof KeystoreError, `expected KeystoreError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

describe('keystore', () => {
  it('round-trips through JSON with the default scrypt cost', async () => {
    const keys = generateParticipantKeys();
    const file = await encryptKeystore(keys, {
      passphrase: 'correct horse',
      label: 'alice',
      createdAt: CREATED,
    });
    assert.deepEqual(
      { N: file.crypto?.kdfParams.N, r: file.crypto?.kdfParams.r, p: file.crypto?.kdfParams.p },
      SCRYPT_DEFAULTS,
    );
    assert.equal(file.createdAt, '2026-01-02T03:04:05.000Z');
    const opened = await decryptKeystore(parseKeystore(JSON.stringify(file)), 'correct horse');
    assert.ok(bytesEqual(opened.signing.seed, keys.signing.seed));
    assert.ok(bytesEqual(opened.encryption.secretKey, keys.encryption.secretKey));
  });

  it('keeps secrets out of the clear text', async () => {
    const keys = generateParticipantKeys();
    const file = await encryptKeystore(keys, {
      passphrase: 'p',
      label: 'x',
      createdAt: CREATED,
      scrypt: FAST,
    });
    const text = JSON.stringify(file);
    assert.ok(!text.includes(Buffer.from(keys.signing.seed).toString('hex')));
    assert.ok(!text.includes(Buffer.from(keys.encryption.secretKey).toString('hex')));
    assert.equal(file.plaintext, undefined);
  });
});

describe('keystore failures', () => {
  it('rejects a wrong passphrase with a typed error', async () => {
    const file = await encryptKeystore(generateParticipantKeys(), {
      passphrase: 'right',
      label: 'bob',
      createdAt: CREATED,
      scrypt: FAST,
    });
    await rejectsWith(decryptKeystore(file, 'wrong'), 'wrong_passphrase');
  });

  it('rejects a file whose public key was swapped', async () => {
    const file = await encryptKeystore(generateParticipantKeys(), {
      passphrase: 'p',
      label: 'carol',
      createdAt: CREATED,
      scrypt: FAST,
    });
    const other = generateParticipantKeys();
    file.publicKeys.signing = Buffer.from(other.signing.publicKey).toString('hex');
    await rejectsWith(decryptKeystore(file, 'p'), 'wrong_passphrase');
  });

  it('refuses scrypt parameters that would exhaust memory', async () => {
    const file = await encryptKeystore(generateParticipantKeys(), {
      passphrase: 'p',
      label: 'dave',
      createdAt: CREATED,
      scrypt: FAST,
    });
    const hostile = JSON.parse(JSON.stringify(file));
    hostile.crypto.kdfParams.N = 2 ** 30;
    await rejectsWith(
      decryptKeystore(parseKeystore(JSON.stringify(hostile)), 'p'),
      'unsafe_parameters',
    );
  });

  it('opens a plaintext keystore without a passphrase', async () => {
    const keys = generateParticipantKeys();
    const file = parseKeystore(
      JSON.stringify(plaintextKeystore(keys, { label: 't', createdAt: CREATED })),
    );
    const opened = await decryptKeystore(file, '');
    assert.ok(bytesEqual(opened.signing.publicKey, keys.signing.publicKey));
  });

  it('names what is wrong with a malformed file', () => {
    assert.throws(() => parseKeystore('{'), { code: 'malformed_keystore' });
    assert.throws(() => parseKeystore('{"type":"medchain-keystore","version":9}'), {
      code: 'unsupported_version',
    });
    assert.throws(() => parseKeystore('{"type":"other"}'), { code: 'malformed_keystore' });
  });
});
