/**
 * Inserts many rows of one shape with a statement that takes ROWS_PER_STATEMENT rows at a
 * time. A block writes tens of thousands of rows, and each statement run has a fixed cost
 * (the call into the native binding, binding, stepping and resetting the statement): a
 * tree node cost 2.3 µs one row per statement and 1.4–1.8 µs 32 rows per statement.
 */
import type Database from 'better-sqlite3';

export const ROWS_PER_STATEMENT = 32;

export interface RowInsert {
  readonly one: Database.Statement;
  readonly many: Database.Statement;
  readonly width: number;
  /** Reused for every full statement; cleared after each call so rows do not linger. */
  readonly args: unknown[];
  readonly row: unknown[];
}

/** `head` is everything before VALUES, e.g. `INSERT INTO t (a, b)`; `width` its columns. */
export function prepareRowInsert(db: Database.Database, head: string, width: number): RowInsert {
  const row = `(${new Array<string>(width).fill('?').join(', ')})`;
  const rows = new Array<string>(ROWS_PER_STATEMENT).fill(row).join(', ');
  return {
    one: db.prepare(`${head} VALUES ${row}`),
    many: db.prepare(`${head} VALUES ${rows}`),
    width,
    args: new Array<unknown>(width * ROWS_PER_STATEMENT),
    row: new Array<unknown>(width),
  };
}

/**
 * Inserts rows `from` to `to` (exclusive); `fill(index, args, at)` writes row `index`'s
 * values into `args` from position `at`. Run it inside the caller's transaction: a
 * failing statement then undoes the whole write, as one statement per row would.
 */
export function insertRows(
  insert: RowInsert,
  from: number,
  to: number,
  fill: (index: number, args: unknown[], at: number) => void,
): void {
  const { one, many, width, args, row } = insert;
  let index = from;
  try {
    for (; index + ROWS_PER_STATEMENT <= to; index += ROWS_PER_STATEMENT) {
      for (let k = 0; k < ROWS_PER_STATEMENT; k++) {
        fill(index + k, args, k * width);
      }
      many.run(args);
    }
    for (; index < to; index++) {
      fill(index, row, 0);
      one.run(row);
    }
  } finally {
    args.fill(undefined);
    row.fill(undefined);
  }
}
