/** The WAL file: durable appends, a torn last line dropped, corruption refused, compaction. */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { WalRecord } from '../../protocol/consensus/types.js';
import { WalCorruptError, WalFile } from './wal-file.js';

const dir = mkdtempSync(join(tmpdir(), 'medchain-wal-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const vote = (height: number): WalRecord => ({
  type: 'signed',
  message: {
    type: 'prevote',
    height,
    round: 0,
    blockHash: null,
    validator: 'ab'.repeat(32),
    signature: 'cd'.repeat(64),
  },
});

describe('WalFile', () => {
  it('returns what was appended and synced, after reopening', () => {
    const path = join(dir, 'a.wal');
    const wal = WalFile.open(path);
    wal.append({ type: 'height', height: 1 });
    wal.append(vote(1));
    assert.equal(wal.needsSync, true);
    wal.sync();
    wal.close();
    assert.deepEqual(WalFile.open(path).read(), [{ type: 'height', height: 1 }, vote(1)]);
  });

  it('drops a torn final record and truncates it away', () => {
    const path = join(dir, 'b.wal');
    const wal = WalFile.open(path);
    wal.append({ type: 'height', height: 3 });
    wal.close();
    appendFileSync(path, '{"type":"signed","mess');
    const reopened = WalFile.open(path);
    assert.deepEqual(reopened.read(), [{ type: 'height', height: 3 }]);
    reopened.append({ type: 'height', height: 4 });
    reopened.close();
    assert.equal(WalFile.open(path).read().length, 2);
    assert.doesNotMatch(readFileSync(path, 'utf8'), /mess/);
  });

  it('refuses a log damaged before its last record', () => {
    const path = join(dir, 'c.wal');
    writeFileSync(path, `{"type":"height","height":1}\nnot json\n{"type":"height","height":2}\n`);
    assert.throws(() => WalFile.open(path), WalCorruptError);
  });

  it('compacts to the committed height and keeps it', () => {
    const path = join(dir, 'd.wal');
    const wal = WalFile.open(path);
    for (let height = 1; height <= 5; height++) {
      wal.append({ type: 'height', height });
      wal.append(vote(height));
    }
    wal.compact(4, true);
    wal.append({ type: 'height', height: 6 });
    wal.close();
    const heights = WalFile.open(path)
      .read()
      .map((record) => (record.type === 'height' ? record.height : record.message.height));
    assert.deepEqual(heights, [4, 4, 5, 5, 6]);
  });

  it('compacts a reopened log, keeping exactly the later records in their order', () => {
    const path = join(dir, 'e.wal');
    const first = WalFile.open(path);
    // Out of height order on purpose: compaction keeps records by height, not by position.
    const appended = [vote(1), vote(5), vote(2), { type: 'height', height: 5 } as WalRecord];
    for (const record of appended) {
      first.append(record);
    }
    first.close();
    const wal = WalFile.open(path);
    wal.append(vote(3));
    wal.append(vote(6));
    wal.compact(5, true);
    assert.equal(wal.size, 3);
    const expected = [vote(5), { type: 'height', height: 5 }, vote(6)];
    assert.deepEqual(wal.read(), expected);
    // Offsets after a rewrite are those of the new file: a second rewrite and an append
    // after it must line up with what is on disk.
    wal.append(vote(7));
    wal.compact(6, true);
    wal.append({ type: 'height', height: 8 });
    wal.close();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    assert.deepEqual(
      lines.map((line) => JSON.parse(line) as WalRecord),
      [vote(6), vote(7), { type: 'height', height: 8 }],
    );
    assert.deepEqual(WalFile.open(path).read(), [vote(6), vote(7), { type: 'height', height: 8 }]);
  });
});
