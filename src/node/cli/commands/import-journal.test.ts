/** The import journal: what a restart finds, and the rewrite that keeps a long one small. */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ImportJournal, type PreparedEntry } from './import-journal.js';

const dir = mkdtempSync(join(tmpdir(), 'medchain-journal-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const entry = (id: string): PreparedEntry => ({
  id,
  hash: 'ab'.repeat(32),
  sizeBytes: 1234,
  wraps: { ['cd'.repeat(32)]: 'ef'.repeat(80), ['01'.repeat(32)]: '23'.repeat(80) },
});

/** A journal with `done` finished records and the `pending` ones still waiting for wraps. */
function journalWith(path: string, done: number, pending: number): void {
  const journal = ImportJournal.open(path);
  for (let i = 0; i < done + pending; i++) {
    journal.addPrepared(entry(`record-${i}`));
  }
  journal.flush();
  for (let i = 0; i < done; i++) {
    journal.markDone(`record-${i}`);
  }
  journal.flush();
}

describe('ImportJournal', () => {
  it('finds finished and pending records after a restart, and cuts off a torn line', () => {
    const path = join(dir, 'small.journal');
    journalWith(path, 3, 2);
    appendFileSync(path, '{"id":"record-9","ha');
    const journal = ImportJournal.open(path);
    assert.ok(journal.isDone('record-0'));
    assert.equal(journal.preparedEntry('record-0'), undefined);
    assert.deepEqual(journal.preparedEntry('record-4'), entry('record-4'));
    assert.equal(journal.isDone('record-4'), false);
    assert.equal(readFileSync(path, 'utf8').split('\n').filter(Boolean).length, 8);
  });

  it('leaves a short journal as it is', () => {
    const path = join(dir, 'short.journal');
    journalWith(path, 500, 10);
    const before = readFileSync(path, 'utf8');
    ImportJournal.open(path);
    assert.equal(readFileSync(path, 'utf8'), before);
  });

  it('rewrites a long journal to one line per record it still needs', () => {
    const path = join(dir, 'long.journal');
    journalWith(path, 3000, 5);
    const before = statSync(path).size;
    const journal = ImportJournal.open(path);
    const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
    assert.equal(lines.length, 3005);
    assert.ok(statSync(path).size < before / 5, `${statSync(path).size} of ${before} bytes`);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    // Nothing is lost: finished records stay finished, pending ones keep their wraps, and
    // the rewritten journal reopens to the same answers and takes appends as before.
    for (const reopened of [journal, ImportJournal.open(path)]) {
      assert.ok(reopened.isDone('record-0') && reopened.isDone('record-2999'));
      assert.deepEqual(reopened.preparedEntry('record-3004'), entry('record-3004'));
      assert.equal(reopened.isDone('record-3004'), false);
    }
    journal.markDone('record-3004');
    journal.flush();
    assert.ok(ImportJournal.open(path).isDone('record-3004'));
  });
});
