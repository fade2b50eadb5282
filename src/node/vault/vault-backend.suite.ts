/**
 * The conformance suite every VaultBackend adapter must pass: content addressing, streaming
 * round trips, limits, concurrent uploads, key wraps and erasure. Each adapter's test file
 * calls runVaultBackendSuite with a factory; `reopen` (for durable adapters) checks that what
 * was stored and erased survives closing and opening again.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { collect, patternBytes, streamOf } from '../../sdk/vault/test-streams.js';
import { type VaultBackend, VaultError, type VaultLimits } from './vault-backend.js';

export interface VaultBackendFactory {
  create(limits?: Partial<VaultLimits>): Promise<VaultBackend>;
  /** Opens the same storage again; undefined for volatile adapters. */
  reopen?: (backend: VaultBackend) => Promise<VaultBackend>;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const RECIPIENT_A = 'a1'.repeat(32);
const RECIPIENT_B = 'b2'.repeat(32);

async function put(backend: VaultBackend, bytes: Uint8Array, pieceBytes = 4096) {
  const stored = await backend.putObject(streamOf(bytes, pieceBytes));
  assert.equal(stored.status, 'stored');
  return stored as Extract<typeof stored, { status: 'stored' }>;
}

async function read(backend: VaultBackend, hash: string): Promise<Uint8Array> {
  const found = await backend.getObject(hash);
  assert.equal(found.status, 'found');
  assert.ok(found.status === 'found');
  const bytes = await collect(found.body);
  assert.equal(bytes.length, found.sizeBytes);
  return bytes;
}

/** A stream that sends `first` and then waits until `finish` is called. */
function heldStream(first: Uint8Array) {
  let finish!: (rest?: Uint8Array) => void;
  const rest = new Promise<Uint8Array | undefined>((resolve) => {
    finish = resolve;
  });
  let sent = false;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!sent) {
        sent = true;
        controller.enqueue(first);
        return;
      }
      const last = await rest;
      if (last !== undefined) {
        controller.enqueue(last);
      }
      controller.close();
    },
  });
  return { stream, finish };
}

function failingStream(after: Uint8Array): ReadableStream<Uint8Array> {
  let sent = false;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent) {
        controller.error(new Error('client went away'));
        return;
      }
      sent = true;
      controller.enqueue(after);
    },
  });
}

export function runVaultBackendSuite(name: string, factory: VaultBackendFactory): void {
  describe(`VaultBackend suite: ${name}`, () => {
    runObjectTests(factory);
    runLimitTests(factory);
    runKeyWrapAndErasureTests(factory);
  });
}

function runObjectTests(factory: VaultBackendFactory): void {
  test('the address is the SHA-256 of the bytes, and they come back unchanged', async () => {
    const backend = await factory.create();
    for (const size of [0, 1, 65_537, 3 * 1024 * 1024 + 3]) {
      const bytes = patternBytes(size + 1, size);
      const stored = await put(backend, bytes, 10_000);
      assert.equal(stored.hash, sha256(bytes));
      assert.equal(stored.sizeBytes, size);
      assert.equal(stored.created, true);
      assert.deepEqual(await read(backend, stored.hash), bytes);
    }
  });

  test('storing the same bytes again is idempotent', async () => {
    const backend = await factory.create();
    const bytes = patternBytes(2, 5000);
    const first = await put(backend, bytes);
    const second = await put(backend, bytes, 333);
    assert.equal(second.hash, first.hash);
    assert.equal(second.created, false);
    assert.deepEqual(await read(backend, first.hash), bytes);
  });

  test('concurrent uploads of the same object leave one intact object', async () => {
    const backend = await factory.create();
    const bytes = patternBytes(3, 2 * 1024 * 1024 + 17);
    const results = await Promise.all(
      [1000, 4096, 65_536, 7].map((piece) => put(backend, bytes, piece * 8)),
    );
    for (const result of results) {
      assert.equal(result.hash, sha256(bytes));
    }
    assert.deepEqual(await read(backend, sha256(bytes)), bytes);
  });

  test('an unknown object is missing', async () => {
    const backend = await factory.create();
    assert.deepEqual(await backend.getObject('00'.repeat(32)), { status: 'missing' });
  });

  if (factory.reopen !== undefined) {
    const reopen = factory.reopen;
    test('objects and wraps survive reopening', async () => {
      const backend = await factory.create();
      const bytes = patternBytes(4, 10_000);
      const { hash } = await put(backend, bytes);
      await backend.putKeyWrap({ hash, recipient: RECIPIENT_A }, Uint8Array.of(1, 2, 3));
      const again = await reopen(backend);
      assert.deepEqual(await read(again, hash), bytes);
      const wrap = await again.getKeyWrap({ hash, recipient: RECIPIENT_A });
      assert.deepEqual(wrap, { status: 'found', wrap: Uint8Array.of(1, 2, 3) });
    });
  }
}

function runLimitTests(factory: VaultBackendFactory): void {
  test('an upload over the size limit fails as it passes it and stores nothing', async () => {
    const backend = await factory.create({ objectSizeBytesMax: 10_000 });
    const bytes = patternBytes(5, 10_001);
    await assert.rejects(backend.putObject(streamOf(bytes, 1000)), (error: unknown) => {
      assert.ok(error instanceof VaultError);
      assert.equal(error.code, 'too_large');
      return true;
    });
    assert.deepEqual(await backend.getObject(sha256(bytes)), { status: 'missing' });
    const exact = await put(backend, bytes.subarray(0, 10_000));
    assert.equal(exact.sizeBytes, 10_000);
  });

  test('uploads beyond the concurrency limit are refused as busy, not queued', async () => {
    const backend = await factory.create({ uploadsConcurrentMax: 1 });
    const held = heldStream(patternBytes(6, 100));
    const first = backend.putObject(held.stream);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await assert.rejects(backend.putObject(streamOf(patternBytes(7, 10))), (error: unknown) => {
      assert.ok(error instanceof VaultError);
      assert.equal(error.code, 'busy');
      return true;
    });
    held.finish(patternBytes(8, 50));
    assert.equal((await first).status, 'stored');
    await put(backend, patternBytes(9, 10));
  });

  test('an upload whose stream fails stores nothing and frees its slot', async () => {
    const backend = await factory.create({ uploadsConcurrentMax: 1 });
    const partial = patternBytes(10, 5000);
    await assert.rejects(backend.putObject(failingStream(partial)), /client went away/);
    assert.deepEqual(await backend.getObject(sha256(partial)), { status: 'missing' });
    await put(backend, partial);
  });
}

function runKeyWrapAndErasureTests(factory: VaultBackendFactory): void {
  test('key wraps are stored per object and recipient, and replaced on a second put', async () => {
    const backend = await factory.create();
    const { hash } = await put(backend, patternBytes(11, 300));
    const other = '11'.repeat(32);
    assert.equal(
      await backend.putKeyWrap({ hash: other, recipient: RECIPIENT_A }, Uint8Array.of(1)),
      'missing',
    );
    assert.equal(
      await backend.putKeyWrap({ hash, recipient: RECIPIENT_A }, Uint8Array.of(1)),
      'stored',
    );
    assert.equal(
      await backend.putKeyWrap({ hash, recipient: RECIPIENT_A }, Uint8Array.of(2)),
      'stored',
    );
    assert.equal(
      await backend.putKeyWrap({ hash, recipient: RECIPIENT_B }, Uint8Array.of(3)),
      'stored',
    );
    assert.deepEqual(await backend.getKeyWrap({ hash, recipient: RECIPIENT_A }), {
      status: 'found',
      wrap: Uint8Array.of(2),
    });
    assert.deepEqual(await backend.getKeyWrap({ hash, recipient: '33'.repeat(32) }), {
      status: 'missing',
    });
    await assert.rejects(
      backend.putKeyWrap({ hash, recipient: RECIPIENT_A }, new Uint8Array(4096)),
      (error: unknown) => error instanceof VaultError && error.code === 'too_large',
    );
    assert.equal(await backend.deleteKeyWraps(hash), 2);
    assert.deepEqual(await backend.getKeyWrap({ hash, recipient: RECIPIENT_B }), {
      status: 'missing',
    });
  });

  test('erasure destroys the ciphertext and every wrap; later access answers gone', async () => {
    const backend = await factory.create();
    const bytes = patternBytes(12, 4000);
    const { hash } = await put(backend, bytes);
    await backend.putKeyWrap({ hash, recipient: RECIPIENT_A }, Uint8Array.of(1));
    await backend.putKeyWrap({ hash, recipient: RECIPIENT_B }, Uint8Array.of(2));
    assert.deepEqual(await backend.eraseObject(hash), {
      status: 'erased',
      objectDestroyed: true,
      keyWrapsDestroyed: 2,
    });
    const after = factory.reopen === undefined ? backend : await factory.reopen(backend);
    assert.deepEqual(await after.getObject(hash), { status: 'gone' });
    assert.deepEqual(await after.getKeyWrap({ hash, recipient: RECIPIENT_A }), { status: 'gone' });
    assert.equal(
      await after.putKeyWrap({ hash, recipient: RECIPIENT_A }, Uint8Array.of(1)),
      'gone',
    );
    assert.deepEqual(await after.eraseObject(hash), { status: 'gone' });
    // Uploading the same ciphertext again must not bring an erased document back.
    assert.deepEqual(await after.putObject(streamOf(bytes)), { status: 'gone', hash });
    assert.deepEqual(await after.getObject(hash), { status: 'gone' });
  });

  test('erasing an unknown object is missing', async () => {
    const backend = await factory.create();
    assert.deepEqual(await backend.eraseObject('22'.repeat(32)), { status: 'missing' });
  });
}
