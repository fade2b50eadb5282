/**
 * Walks one key hash's path from a version's root to where the path ends: a leaf (the
 * key's own or another's) or an empty slot. Reads and proofs share it so they can never
 * disagree about where a key lives.
 */
import { assert } from '../core/assert.js';
import type { Bytes } from '../core/bytes.js';
import { ChildTable } from './child-table.js';
import { loadRoot } from './load-root.js';
import {
  DEPTH_MAX,
  EMPTY_TAG,
  INTERNAL_TAG,
  LEAF_TAG,
  NIBBLE_CHARS,
  nibbleAt,
} from './node-codec.js';
import type { StateVersion, TreeNodeStore } from './types.js';

/** Called for each internal node on the path, root first, with its children decoded. */
export type PathStepVisitor = (table: ChildTable, nibble: number) => void;

/** Returns the leaf that ends the path, or null when it ends in an empty slot. */
export function walkPath(
  store: TreeNodeStore,
  version: StateVersion,
  keyHash: Bytes,
  visit: PathStepVisitor,
): Bytes | null {
  const table = new ChildTable();
  let node = loadRoot(store, version);
  let path = '';
  for (let depth = 0; depth <= DEPTH_MAX; depth++) {
    const tag = node[0];
    if (tag === EMPTY_TAG) {
      assert(depth === 0, 'state tree: empty node below the root');
      return null;
    }
    if (tag === LEAF_TAG) {
      return node;
    }
    assert(tag === INTERNAL_TAG, 'state tree: unknown node tag');
    assert(depth < DEPTH_MAX, 'state tree: internal node at full depth');
    const nibble = nibbleAt(keyHash, depth);
    table.decode(node);
    visit(table, nibble);
    if ((table.mask & (1 << nibble)) === 0) {
      return null;
    }
    path += NIBBLE_CHARS[nibble]!;
    const child = store.getNode(table.childId(nibble, path));
    assert(child !== undefined, 'state tree: node missing from store');
    node = child;
  }
  assert(false, 'state tree: path longer than the key hash');
}
