import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { insertRows, prepareRowInsert, ROWS_PER_STATEMENT } from './row-insert.js';

function table() {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)');
  return { db, insert: prepareRowInsert(db, 'INSERT INTO t (id, name)', 2) };
}

describe('insertRows', () => {
  it('writes every row of a range, whole statements and the remainder alike', () => {
    for (const count of [
      0,
      1,
      ROWS_PER_STATEMENT - 1,
      ROWS_PER_STATEMENT,
      3 * ROWS_PER_STATEMENT + 5,
    ]) {
      const { db, insert } = table();
      insertRows(insert, 2, 2 + count, (index, args, at) => {
        args[at] = index;
        args[at + 1] = `row ${index}`;
      });
      const rows = db.prepare('SELECT id, name FROM t ORDER BY id').all();
      const expected = Array.from({ length: count }, (_, i) => ({
        id: i + 2,
        name: `row ${i + 2}`,
      }));
      assert.deepEqual(rows, expected, `${count} rows`);
    }
  });

  it('inside a transaction, a row that fails undoes the rows before it', () => {
    const { db, insert } = table();
    const write = db.transaction(() =>
      insertRows(insert, 0, 2 * ROWS_PER_STATEMENT + 3, (index, args, at) => {
        // The last row repeats the first id, so the final single-row statement fails.
        args[at] = index === 2 * ROWS_PER_STATEMENT + 2 ? 0 : index;
        args[at + 1] = 'x';
      }),
    );
    assert.throws(write, /UNIQUE constraint failed/);
    assert.equal(db.prepare('SELECT COUNT(*) FROM t').pluck().get(), 0);
    assert.ok(
      insert.args.every((value) => value === undefined),
      'no row kept alive',
    );
  });
});
