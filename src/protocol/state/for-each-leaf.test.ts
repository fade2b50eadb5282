/**
 * Walking a version's leaves finds exactly the keys that version holds: the node rebuilds
 * its filter of existing keys from this walk, so a key it missed would read as absent.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { toHex, utf8 } from '../core/bytes.js';
import { pureCrypto } from '../core/crypto.js';
import { applyWrites } from './apply-writes.js';
import { forEachLeaf } from './for-each-leaf.js';
import { MemoryTreeNodeStore } from './memory-tree-node-store.js';
import { keyHashOf, leafKeyHash } from './node-codec.js';
import type { StateWrite } from './types.js';

const crypto = pureCrypto;

test('state tree: the leaves of each version are exactly its live keys', () => {
  const write = fc.record({
    key: fc.constantFrom(...Array.from({ length: 40 }, (_, i) => `k/${i}`)),
    value: fc.option(fc.string({ maxLength: 8 }), { nil: null }),
  });
  fc.assert(
    fc.property(
      fc.array(fc.array(write, { maxLength: 30 }), { minLength: 1, maxLength: 6 }),
      (blocks) => {
        const store = new MemoryTreeNodeStore();
        const live = new Map<string, string>();
        blocks.forEach((block, version) => {
          const writes: StateWrite[] = block.map(({ key, value }) => ({
            key,
            value: value === null ? null : utf8(value),
          }));
          const result = applyWrites(crypto, store, {
            version,
            previousVersion: version === 0 ? null : version - 1,
            writes,
          });
          store.save(result);
          for (const { key, value } of block) {
            if (value === null) {
              live.delete(key);
            } else {
              live.set(key, value);
            }
          }
          const seen: string[] = [];
          const count = forEachLeaf(store, version, (leaf) => seen.push(toHex(leafKeyHash(leaf))));
          const expected = [...live.keys()].map((key) => toHex(keyHashOf(crypto, key)));
          assert.equal(count, seen.length);
          assert.deepEqual(seen.sort(), expected.sort());
        });
      },
    ),
    { numRuns: 200 },
  );
});
