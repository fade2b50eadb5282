/**
 * The upload sink: whatever the piece sizes and however the total falls against the batch
 * and the direct-I/O alignment, the file holds exactly the bytes appended, on both the direct
 * and the page-cache path, and staging buffers go back to the pool.
 */
import assert from 'node:assert/strict';
import { constants, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { patternBytes } from '../../sdk/vault/test-streams.js';
import { AlignedBufferPool, openFileSink } from './file-sink.js';

const BATCH = 64 * 1024;
const base = mkdtempSync(join(tmpdir(), 'medchain-file-sink-'));
after(() => rmSync(base, { recursive: true, force: true }));
let counter = 0;

async function writeThrough(
  pool: AlignedBufferPool | undefined,
  bytes: Uint8Array,
  pieceBytes: number,
): Promise<Uint8Array> {
  counter += 1;
  const path = join(base, `file-${counter}`);
  const sink = await openFileSink(path, { batchBytes: BATCH, syncEveryBytes: 2 * BATCH }, pool);
  try {
    for (let offset = 0; offset < bytes.length; offset += pieceBytes) {
      await sink.append(bytes.subarray(offset, offset + pieceBytes));
    }
    assert.equal(await sink.finish(), bytes.length);
  } finally {
    await sink.close();
  }
  return new Uint8Array(await readFile(path));
}

const SIZES = [0, 1, 4095, 4096, 4097, BATCH - 1, BATCH, BATCH + 1, 3 * BATCH + 17];

describe('file sink', () => {
  for (const [name, pool] of [
    ['direct', () => new AlignedBufferPool(BATCH, 2)],
    ['page cache', () => undefined],
  ] as const) {
    test(`${name}: the file holds exactly the bytes appended`, async () => {
      const shared = pool();
      for (const size of SIZES) {
        for (const pieceBytes of [1000, BATCH, 5 * BATCH]) {
          const bytes = patternBytes(size + pieceBytes, size);
          assert.deepEqual(await writeThrough(shared, bytes, pieceBytes), bytes, `size ${size}`);
        }
      }
    });
  }

  test('any split of any content round-trips through the direct path', async () => {
    const pool = new AlignedBufferPool(BATCH, 2);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 4 * BATCH }),
        fc.integer({ min: 1, max: 2 * BATCH }),
        async (size, pieceBytes) => {
          const bytes = patternBytes(size ^ pieceBytes, size);
          assert.deepEqual(await writeThrough(pool, bytes, pieceBytes), bytes);
        },
      ),
      { numRuns: 40 },
    );
  });

  test('buffers return to the pool, and a drained pool falls back to the page cache', async (t) => {
    if (constants.O_DIRECT === undefined) {
      t.diagnostic('this platform has no O_DIRECT: every sink writes through the page cache');
    }
    const pool = new AlignedBufferPool(BATCH, 2);
    const first = await openFileSink(
      join(base, 'held'),
      { batchBytes: BATCH, syncEveryBytes: BATCH },
      pool,
    );
    if (first.direct) {
      assert.equal(pool.acquire(), undefined, 'one direct upload holds both buffers');
    }
    const bytes = patternBytes(7, BATCH + 3);
    assert.deepEqual(await writeThrough(pool, bytes, 4096), bytes);
    await first.finish();
    await first.close();
    const again = pool.acquire();
    assert.ok(again !== undefined && again.length === BATCH);
    pool.release(again);
  });

  test('a pool refuses buffer sizes direct I/O cannot use', () => {
    assert.throws(() => new AlignedBufferPool(BATCH + 512, 2), /multiple of 64 KiB/);
  });
});
