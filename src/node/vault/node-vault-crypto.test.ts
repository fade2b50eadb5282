/**
 * The node:crypto ports make the same objects as the SDK's defaults: a document encrypted
 * with either decrypts with the other, and a tampered or truncated object fails the same way.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encryptionKeyPairFromSecret } from '../../sdk/keys.js';
import { decryptDocument, decryptWithKey } from '../../sdk/vault/decrypt.js';
import { encryptDocument } from '../../sdk/vault/encrypt.js';
import { VaultCryptoError } from '../../sdk/vault/errors.js';
import { collect, patternBytes, streamOf } from '../../sdk/vault/test-streams.js';
import { nodeChunkCipher, nodeSha256 } from './node-vault-crypto.js';

const reader = encryptionKeyPairFromSecret(patternBytes(5, 32));
const binding = { recordId: 'rec-node-ports', version: 1 };
const NODE = { sha256: nodeSha256, cipher: nodeChunkCipher };
const plaintext = patternBytes(9, 10_000);

async function encrypt(ports: typeof NODE | Record<string, never>) {
  const options = { ...binding, recipients: [reader.publicKey], chunkSizeBytes: 4096, ...ports };
  const document = await encryptDocument(streamOf(plaintext, 1000), options);
  const ciphertext = await collect(document.ciphertext);
  return { ciphertext, result: await document.completion };
}

for (const [from, to] of [
  [NODE, {}],
  [{}, NODE],
] as const) {
  const name = from === NODE ? 'node:crypto to the defaults' : 'the defaults to node:crypto';
  test(`objects made with ${name} decrypt`, async () => {
    const { ciphertext, result } = await encrypt(from);
    const opened = await decryptDocument(streamOf(ciphertext, 777), {
      wrap: result.wraps[0]!,
      binding: { ...binding, contentHash: result.contentHash },
      recipientSecretKey: reader.secretKey,
      ...to,
    });
    assert.deepEqual(await collect(opened), plaintext);
  });
}

async function failure(ciphertext: Uint8Array, contentHash: string, documentKey: unknown) {
  const stream = decryptWithKey(streamOf(ciphertext, 512), {
    documentKey: documentKey as never,
    contentHash,
    ...NODE,
  });
  try {
    await collect(stream);
  } catch (error) {
    assert.ok(error instanceof VaultCryptoError);
    return error.code;
  }
  return 'none';
}

test('the node cipher refuses a flipped bit and reports a cut at a chunk boundary', async () => {
  const { ciphertext, result } = await encrypt(NODE);
  const flipped = ciphertext.slice();
  flipped[5000] = flipped[5000]! ^ 1;
  const flippedCode = await failure(flipped, result.contentHash, result.documentKey);
  assert.equal(flippedCode, 'chunk_authentication_failed');
  // Header (16) and two whole chunks of 4096 + 16: the third and final chunk is missing.
  const cut = ciphertext.slice(0, 16 + 2 * (4096 + 16));
  assert.equal(await failure(cut, result.contentHash, result.documentKey), 'truncated');
});
