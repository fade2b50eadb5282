/**
 * A 48 MiB document goes the whole way, encrypt → directory vault → decrypt, as streams, and
 * nothing along the path holds it whole: with garbage collected as it goes, live buffers stay
 * at a few chunks and resident memory grows by well under the document's size. Not a timing
 * test. Collection is forced because otherwise V8 may leave tens of MiB of spent 1 MiB
 * chunks uncollected, which is garbage, not retention, and would make the bound meaningless.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { encryptionKeyPairFromSecret } from '../../sdk/keys.js';
import { decryptDocument } from '../../sdk/vault/decrypt.js';
import { encryptDocument } from '../../sdk/vault/encrypt.js';
import type { Sha256HasherFactory } from '../../sdk/vault/hasher.js';
import { generatedStream, patternBytes } from '../../sdk/vault/test-streams.js';
import { DirectoryVaultBackend } from './directory-vault-backend.js';

const DOCUMENT_BYTES = 48 * 1024 * 1024;
const PIECE_BYTES = 64 * 1024;
/** Holding the document once would add 48 MiB; plaintext and ciphertext together, 96. */
const RSS_GROWTH_BYTES_MAX = 40 * 1024 * 1024;
/** Live ArrayBuffers: a few 1 MiB chunks in flight at each stage. */
const LIVE_BUFFER_BYTES_MAX = 16 * 1024 * 1024;

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const nodeSha256: Sha256HasherFactory = () => {
  const hash = createHash('sha256');
  return { update: (bytes) => hash.update(bytes), digest: () => new Uint8Array(hash.digest()) };
};

const directory = mkdtempSync(join(tmpdir(), 'medchain-vault-stream-'));
after(() => rmSync(directory, { recursive: true, force: true }));

test('a 48 MiB document streams through encrypt, vault and decrypt in bounded memory', async () => {
  const reader = encryptionKeyPairFromSecret(patternBytes(1, 32));
  const vault = await DirectoryVaultBackend.open({ directory });
  collectGarbage();
  const baseline = process.memoryUsage();
  let peak = baseline.rss;
  let livePeak = baseline.arrayBuffers;
  const sample = () => {
    collectGarbage();
    const usage = process.memoryUsage();
    peak = Math.max(peak, usage.rss);
    livePeak = Math.max(livePeak, usage.arrayBuffers);
  };
  const sampler = setInterval(sample, 10);

  try {
    const plaintext = generatedStream(DOCUMENT_BYTES, PIECE_BYTES);
    const binding = { recordId: 'rec-big', version: 1 };
    const options = { ...binding, recipients: [reader.publicKey], sha256: nodeSha256 };
    const document = await encryptDocument(plaintext, options);
    const stored = await vault.putObject(document.ciphertext);
    const result = await document.completion;
    assert.equal(stored.status, 'stored');
    assert.ok(stored.status === 'stored' && stored.hash === result.contentHash);

    const read = await vault.getObject(result.contentHash);
    assert.ok(read.status === 'found');
    const decrypted = await decryptDocument(read.body, {
      wrap: result.wraps[0]!,
      binding: { ...binding, contentHash: result.contentHash },
      recipientSecretKey: reader.secretKey,
      sha256: nodeSha256,
    });
    const expected = patternBytes(7, PIECE_BYTES);
    let position = 0;
    for await (const piece of decrypted as unknown as AsyncIterable<Uint8Array>) {
      // The source repeats one block, so every byte's expected value follows from its offset.
      for (let i = 0; i < piece.length; i += 4099) {
        assert.equal(piece[i], expected[(position + i) % PIECE_BYTES], `byte ${position + i}`);
      }
      position += piece.length;
    }
    assert.equal(position, DOCUMENT_BYTES);
  } finally {
    clearInterval(sampler);
  }
  const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
  const live = livePeak - baseline.arrayBuffers;
  assert.ok(live < LIVE_BUFFER_BYTES_MAX, `live buffers peaked ${mib(live)} above the baseline`);
  const growth = peak - baseline.rss;
  console.log(`streamed ${mib(DOCUMENT_BYTES)}: live buffers +${mib(live)}, RSS +${mib(growth)}`);
  assert.ok(growth < RSS_GROWTH_BYTES_MAX, `RSS grew by ${mib(growth)} for ${mib(DOCUMENT_BYTES)}`);
});
