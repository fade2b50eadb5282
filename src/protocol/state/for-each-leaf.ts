/**
 * Visits every leaf of one tree version. The node rebuilds its filter of existing keys
 * from this at startup, since the tree is the only copy of the state and its leaves hold
 * key hashes, not keys.
 */
import { assert } from '../core/assert.js';
import type { Bytes } from '../core/bytes.js';
import { ChildTable } from './child-table.js';
import { loadRoot } from './load-root.js';
import { DEPTH_MAX, EMPTY_TAG, INTERNAL_TAG, LEAF_TAG, NIBBLE_CHARS, RADIX } from './node-codec.js';
import type { StateVersion, TreeNodeStore } from './types.js';

/** Calls `visit` with each leaf of `version`, in key-hash order; returns how many there were. */
export function forEachLeaf(
  store: TreeNodeStore,
  version: StateVersion,
  visit: (leaf: Bytes) => void,
): number {
  const root = loadRoot(store, version);
  if (root[0] === EMPTY_TAG) {
    return 0;
  }
  const table = new ChildTable();
  let count = 0;
  const walk = (node: Bytes, path: string, depth: number): void => {
    if (node[0] === LEAF_TAG) {
      visit(node);
      count++;
      return;
    }
    assert(node[0] === INTERNAL_TAG, 'state tree: unknown node tag');
    assert(depth < DEPTH_MAX, 'state tree: internal node at full depth');
    table.decode(node);
    // Ids first: the recursion below decodes deeper nodes into the same table.
    const mask = table.mask;
    const ids: string[] = [];
    for (let nibble = 0; nibble < RADIX; nibble++) {
      if ((mask & (1 << nibble)) !== 0) {
        ids.push(table.childId(nibble, path + NIBBLE_CHARS[nibble]!));
      }
    }
    let next = 0;
    for (let nibble = 0; nibble < RADIX; nibble++) {
      if ((mask & (1 << nibble)) === 0) {
        continue;
      }
      const child = store.getNode(ids[next++]!);
      assert(child !== undefined, 'state tree: node missing from store');
      walk(child, path + NIBBLE_CHARS[nibble]!, depth + 1);
    }
  };
  walk(root, '', 0);
  return count;
}
