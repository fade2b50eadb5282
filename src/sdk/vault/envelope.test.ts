/**
 * Envelope encryption: documents of every size at and around chunk boundaries round-trip,
 * and every class of tampering fails with its own code: a flipped bit, swapped chunks, a
 * dropped final chunk, a cut inside a chunk, appended bytes, a changed header, a wrong
 * expected hash, a wrong key and a wrap moved to another document.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toHex } from '../../protocol/core/bytes.js';
import { encryptionKeyPairFromSecret } from '../keys.js';
import { decryptDocument, decryptWithKey } from './decrypt.js';
import { type EncryptionResult, encryptDocument } from './encrypt.js';
import { VaultCryptoError, type VaultCryptoErrorCode } from './errors.js';
import { ciphertextSizeBytes, HEADER_BYTES, TAG_BYTES } from './format.js';
import { decodeKeyWrap, encodeKeyWrap, unwrapDocumentKey, wrapKeyFor } from './key-wrap.js';
import { collect, patternBytes, streamOf } from './test-streams.js';

const patient = encryptionKeyPairFromSecret(patternBytes(1, 32));
const clinic = encryptionKeyPairFromSecret(patternBytes(2, 32));
const stranger = encryptionKeyPairFromSecret(patternBytes(3, 32));
const SMALL_CHUNK = 1024;

async function encrypt(
  plaintext: Uint8Array,
  chunkSizeBytes: number,
): Promise<{ ciphertext: Uint8Array; result: EncryptionResult }> {
  const encrypted = await encryptDocument(streamOf(plaintext, 777), {
    recordId: 'rec-1',
    version: 1,
    recipients: [patient.publicKey],
    chunkSizeBytes,
  });
  const ciphertext = await collect(encrypted.ciphertext);
  return { ciphertext, result: await encrypted.completion };
}

async function decrypt(ciphertext: Uint8Array, result: EncryptionResult): Promise<Uint8Array> {
  const wrap = result.wraps[0]!;
  const binding = { recordId: 'rec-1', version: 1, contentHash: result.contentHash };
  const stream = await decryptDocument(streamOf(ciphertext, 1000), {
    wrap,
    binding,
    recipientSecretKey: patient.secretKey,
  });
  return collect(stream);
}

async function rejectsWith(action: () => Promise<unknown>, code: VaultCryptoErrorCode) {
  await assert.rejects(action, (error: unknown) => {
    assert.ok(error instanceof VaultCryptoError, `expected VaultCryptoError, got ${error}`);
    assert.equal(error.code, code);
    return true;
  });
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return toHex(
    new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)),
  );
}

describe('vault envelope: round trip', () => {
  const chunk = 1024 * 1024;
  const sizes = [0, 1, chunk - 1, chunk, chunk + 1, 3 * chunk + 5];
  for (const size of sizes) {
    it(`round-trips ${size} bytes with 1 MiB chunks`, async () => {
      const plaintext = patternBytes(size + 11, size);
      const { ciphertext, result } = await encrypt(plaintext, chunk);
      assert.equal(ciphertext.length, ciphertextSizeBytes(size, chunk));
      assert.equal(result.sizeBytes, ciphertext.length);
      assert.equal(result.plaintextSizeBytes, size);
      assert.equal(result.contentHash, await sha256Hex(ciphertext));
      assert.deepEqual(await decrypt(ciphertext, result), plaintext);
    });
  }

  it('uses a fresh key and nonce prefix per document', async () => {
    const plaintext = patternBytes(5, 100);
    const first = await encrypt(plaintext, SMALL_CHUNK);
    const second = await encrypt(plaintext, SMALL_CHUNK);
    assert.notEqual(first.result.contentHash, second.result.contentHash);
    assert.notDeepEqual(first.ciphertext.slice(8, 15), second.ciphertext.slice(8, 15));
  });

  it('never shows the document key in JSON or strings', async () => {
    const { result } = await encrypt(patternBytes(6, 10), SMALL_CHUNK);
    assert.equal(JSON.stringify({ key: result.documentKey }), '{"key":"DocumentKey(redacted)"}');
    assert.equal(`${result.documentKey}`, 'DocumentKey(redacted)');
  });
});

describe('vault envelope: tampering', () => {
  const plaintext = patternBytes(9, 4 * SMALL_CHUNK + 100);
  const sealedBytes = SMALL_CHUNK + TAG_BYTES;
  const chunkAt = (index: number) => HEADER_BYTES + index * sealedBytes;

  async function tampered(change: (bytes: Uint8Array) => Uint8Array, code: VaultCryptoErrorCode) {
    const { ciphertext, result } = await encrypt(plaintext, SMALL_CHUNK);
    await rejectsWith(() => decrypt(change(ciphertext.slice()), result), code);
  }

  it('a flipped bit in a chunk fails authentication', () =>
    tampered((bytes) => {
      bytes[chunkAt(2) + 10]! ^= 1;
      return bytes;
    }, 'chunk_authentication_failed'));

  it('a flipped bit in a tag fails authentication', () =>
    tampered((bytes) => {
      bytes[bytes.length - 1]! ^= 0x80;
      return bytes;
    }, 'chunk_authentication_failed'));

  it('swapped chunks fail authentication', () =>
    tampered((bytes) => {
      const first = bytes.slice(chunkAt(0), chunkAt(1));
      bytes.copyWithin(chunkAt(0), chunkAt(1), chunkAt(2));
      bytes.set(first, chunkAt(1));
      return bytes;
    }, 'chunk_authentication_failed'));

  it('dropping the final chunk is truncation', () =>
    tampered((bytes) => bytes.slice(0, chunkAt(4)), 'truncated'));

  it('a cut inside a chunk fails', () =>
    tampered((bytes) => bytes.slice(0, chunkAt(2) + 100), 'chunk_authentication_failed'));

  it('a cut inside the header is truncation', () =>
    tampered((bytes) => bytes.slice(0, 9), 'truncated'));

  it('appended bytes fail authentication', () =>
    tampered((bytes) => Uint8Array.of(...bytes, 0), 'chunk_authentication_failed'));

  it('a changed chunk size in the header fails', () =>
    tampered((bytes) => {
      bytes[6] = 0x08;
      return bytes;
    }, 'chunk_authentication_failed'));

  it('a changed magic is a malformed header', () =>
    tampered((bytes) => {
      bytes[0] = 0;
      return bytes;
    }, 'malformed_header'));

  it('an intact object with another expected hash fails on its hash', async () => {
    const { ciphertext, result } = await encrypt(plaintext, SMALL_CHUNK);
    const contentHash = 'ab'.repeat(32);
    const stream = decryptWithKey(streamOf(ciphertext), {
      documentKey: result.documentKey,
      contentHash,
    });
    await rejectsWith(() => collect(stream), 'content_hash_mismatch');
  });
});

describe('vault envelope: key wraps', () => {
  it('a wrong recipient key cannot unwrap', async () => {
    const { ciphertext, result } = await encrypt(patternBytes(4, 50), SMALL_CHUNK);
    const binding = { recordId: 'rec-1', version: 1, contentHash: result.contentHash };
    const options = { wrap: result.wraps[0]!, binding, recipientSecretKey: stranger.secretKey };
    await rejectsWith(() => decryptDocument(streamOf(ciphertext), options), 'key_unwrap_failed');
  });

  it('a wrap is bound to record id, version, content hash and recipient', async () => {
    const { result } = await encrypt(patternBytes(4, 50), SMALL_CHUNK);
    const wrap = result.wraps[0]!;
    const good = { recordId: 'rec-1', version: 1, contentHash: result.contentHash };
    const moved = [
      { ...good, recordId: 'rec-2' },
      { ...good, version: 2 },
      { ...good, contentHash: 'cd'.repeat(32) },
    ];
    for (const binding of moved) {
      const params = { wrap, binding, recipientSecretKey: patient.secretKey };
      await rejectsWith(() => unwrapDocumentKey(params), 'key_unwrap_failed');
    }
    const key = await unwrapDocumentKey({
      wrap,
      binding: good,
      recipientSecretKey: patient.secretKey,
    });
    assert.deepEqual(key.exportBytes(), result.documentKey.exportBytes());
  });

  it('a grant wraps the unwrapped key for a new reader, who can decrypt', async () => {
    const plaintext = patternBytes(8, 3000);
    const { ciphertext, result } = await encrypt(plaintext, SMALL_CHUNK);
    const binding = { recordId: 'rec-1', version: 1, contentHash: result.contentHash };
    const owner = { wrap: result.wraps[0]!, binding, recipientSecretKey: patient.secretKey };
    const documentKey = await unwrapDocumentKey(owner);
    const grant = await wrapKeyFor({ documentKey, binding, recipient: clinic.publicKey });
    assert.equal(grant.recipient, toHex(clinic.publicKey));
    const stored = decodeKeyWrap(grant.recipient, encodeKeyWrap(grant));
    const reader = { wrap: stored, binding, recipientSecretKey: clinic.secretKey };
    assert.deepEqual(await collect(await decryptDocument(streamOf(ciphertext), reader)), plaintext);
    // The clinic's wrap does not open for the patient: the recipient is in the binding.
    const swapped = { wrap: stored, binding, recipientSecretKey: patient.secretKey };
    await rejectsWith(() => unwrapDocumentKey(swapped), 'key_unwrap_failed');
  });
});
