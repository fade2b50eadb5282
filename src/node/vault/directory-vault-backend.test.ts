/**
 * The directory adapter: the shared suite (with reopening), then what only a disk has: the
 * documented layout, no partial object ever visible, leftovers of a crashed upload cleared
 * at open, and an erasure interrupted by a crash finished at open.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { collect, patternBytes, streamOf } from '../../sdk/vault/test-streams.js';
import { DirectoryVaultBackend } from './directory-vault-backend.js';
import type { VaultBackend } from './vault-backend.js';
import { runVaultBackendSuite } from './vault-backend.suite.js';

const base = mkdtempSync(join(tmpdir(), 'medchain-vault-'));
after(() => rmSync(base, { recursive: true, force: true }));
const directories = new Map<VaultBackend, string>();
let counter = 0;

async function openFresh(limits?: object): Promise<DirectoryVaultBackend> {
  counter += 1;
  const directory = join(base, `vault-${counter}`);
  const backend = await DirectoryVaultBackend.open({
    directory,
    ...(limits === undefined ? {} : { limits }),
  });
  directories.set(backend, directory);
  return backend;
}

runVaultBackendSuite('directory', {
  create: (limits) => openFresh(limits),
  reopen: async (backend) => {
    const directory = directories.get(backend);
    assert.ok(directory !== undefined);
    const again = await DirectoryVaultBackend.open({ directory });
    directories.set(again, directory);
    return again;
  },
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

describe('DirectoryVaultBackend on disk', () => {
  test('objects live at objects/ab/cd/<hash> and uploads leave nothing in tmp/', async () => {
    const backend = await openFresh();
    const directory = directories.get(backend)!;
    const bytes = patternBytes(1, 3000);
    const hash = sha256(bytes);
    await backend.putObject(streamOf(bytes));
    assert.ok(await exists(join(directory, 'objects', hash.slice(0, 2), hash.slice(2, 4), hash)));
    assert.deepEqual(await readdir(join(directory, 'tmp')), []);
  });

  test('a partial tmp file from a crashed upload is cleared at open, never an object', async () => {
    const directory = join(base, 'crashed-upload');
    await DirectoryVaultBackend.open({ directory });
    await writeFile(join(directory, 'tmp', 'crashed.part'), patternBytes(2, 500));
    const backend = await DirectoryVaultBackend.open({ directory });
    assert.deepEqual(await readdir(join(directory, 'tmp')), []);
    assert.deepEqual(await backend.getObject(sha256(patternBytes(2, 500))), { status: 'missing' });
  });

  test('an erasure cut short by a crash after its tombstone is finished at open', async () => {
    const directory = join(base, 'crashed-erasure');
    const first = await DirectoryVaultBackend.open({ directory });
    const bytes = patternBytes(3, 700);
    const hash = sha256(bytes);
    await first.putObject(streamOf(bytes));
    await first.putKeyWrap({ hash, recipient: 'ab'.repeat(32) }, Uint8Array.of(9));
    // Simulate the crash: the tombstone is durable, the ciphertext and wrap are still there.
    const tombstones = join(directory, 'tombstones', hash.slice(0, 2), hash.slice(2, 4));
    await mkdir(tombstones, { recursive: true });
    await writeFile(join(tombstones, hash), new Uint8Array(0));
    const objectPath = join(directory, 'objects', hash.slice(0, 2), hash.slice(2, 4), hash);
    assert.ok(await exists(objectPath));
    const second = await DirectoryVaultBackend.open({ directory });
    assert.equal(await exists(objectPath), false);
    assert.equal(
      await exists(join(directory, 'keys', hash.slice(0, 2), hash.slice(2, 4), hash)),
      false,
    );
    assert.deepEqual(await second.getObject(hash), { status: 'gone' });
  });

  for (const directIo of [true, false]) {
    const mode = directIo ? 'on' : 'off';
    test(`objects of every size round-trip with direct I/O ${mode}`, async () => {
      const directory = join(base, `direct-${directIo}`);
      const backend = await DirectoryVaultBackend.open({
        directory,
        directIo,
        writeBatchBytes: 64 * 1024,
        readChunkBytes: 64 * 1024,
      });
      for (const size of [1, 4096, 64 * 1024, 200_001]) {
        const bytes = patternBytes(size, size);
        const stored = await backend.putObject(streamOf(bytes, 10_000));
        assert.deepEqual(stored, {
          status: 'stored',
          hash: sha256(bytes),
          sizeBytes: size,
          created: true,
        });
        const read = await backend.getObject(sha256(bytes));
        assert.ok(read.status === 'found');
        assert.equal(read.sizeBytes, size);
        assert.deepEqual(await collect(read.body), bytes);
      }
    });
  }
});
