/**
 * Append-only lists kept as pages, one state key per page. A query answers with a single
 * key so that the node can prove it; a page is that key, small enough to prove and to
 * rewrite on every append (bounded size), and a list of any length is read page by page.
 */
import { assert } from '../../core/assert.js';
import type { JsonValue } from '../../core/canonical.js';
import type { ActionContext, StateRead } from '../engine/module.js';

export type PagedList = {
  /** Key of page `page` (0-based). */
  pageKey(page: number): string;
  pageSize: number;
};

/** Appends `item` as entry number `index` (0-based): the caller owns the count. */
export function appendToPage(
  context: ActionContext,
  list: PagedList,
  entry: { index: number; item: JsonValue },
): void {
  assert(Number.isSafeInteger(entry.index) && entry.index >= 0, 'paged list: bad index');
  const page = Math.floor(entry.index / list.pageSize);
  const key = list.pageKey(page);
  const items = loadPage(context.get, key);
  // The count and the pages move together; a mismatch means corrupted state.
  assert(items.length === entry.index % list.pageSize, `paged list: ${key} out of step`);
  context.set(key, [...items, entry.item]);
}

export function loadPage(get: StateRead, key: string): readonly JsonValue[] {
  const value = get(key);
  if (value === undefined) {
    return [];
  }
  assert(Array.isArray(value), `${key}: not a page`);
  return value;
}

/** A page number from a query parameter: absent means the first page. */
export function parsePage(value: string | undefined): number | undefined {
  if (value === undefined) {
    return 0;
  }
  if (!/^(?:0|[1-9][0-9]{0,8})$/.test(value)) {
    return undefined;
  }
  return Number(value);
}
