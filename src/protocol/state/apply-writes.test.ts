/**
 * Unit tests and golden vectors for state tree batches: the root must depend only on the
 * final key set, and the pinned roots keep the node format from drifting silently.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { utf8 } from '../core/bytes.js';
import { type Crypto, pureCrypto } from '../core/crypto.js';
import { applyWrites } from './apply-writes.js';
import { getRootHash, getValue } from './get-value.js';
import { MemoryTreeNodeStore } from './memory-tree-node-store.js';
import {
  childMaskOf,
  INTERNAL_TAG,
  internalPreimageBytes,
  LEAF_TAG,
  popcount16,
} from './node-codec.js';
import type { StateWrite } from './types.js';

const crypto = pureCrypto;

/** Applies batches as versions 0, 1, … and returns the roots. */
function applyAll(store: MemoryTreeNodeStore, batches: StateWrite[][]): string[] {
  const roots: string[] = [];
  batches.forEach((writes, version) => {
    const previousVersion = version === 0 ? null : version - 1;
    const result = applyWrites(crypto, store, { version, previousVersion, writes });
    store.save(result);
    roots.push(result.root);
  });
  return roots;
}

function rootOf(writes: StateWrite[]): string {
  return applyWrites(crypto, new MemoryTreeNodeStore(), {
    version: 0,
    previousVersion: null,
    writes,
  }).root;
}

const set = (key: string, value: string): StateWrite => ({ key, value: utf8(value) });

/** An internal node's bytes up to its versions: the encoding before leaf locations. */
function withoutLocations(node: Uint8Array): Uint8Array {
  if (node[0] !== INTERNAL_TAG) {
    return node;
  }
  let offset = internalPreimageBytes(popcount16(childMaskOf(node))) + 2;
  for (let child = 0; child < popcount16(childMaskOf(node)); child++) {
    while ((node[offset++]! & 0x80) !== 0) {}
  }
  return node.slice(0, offset);
}

const remove = (key: string): StateWrite => ({ key, value: null });

/** `count` writes of `version` (value `version.i`, or a deletion), applied to `model` too. */
function churn(
  model: Map<string, string>,
  version: number,
  count: number,
  rule: { key: (i: number) => string; deleted: (i: number) => boolean },
): StateWrite[] {
  const writes: StateWrite[] = [];
  for (let i = 0; i < count; i++) {
    const key = rule.key(i);
    const value = `${version}.${i}`;
    writes.push(rule.deleted(i) ? remove(key) : set(key, value));
    rule.deleted(i) ? model.delete(key) : model.set(key, value);
  }
  return writes;
}

describe('state tree: golden vectors', () => {
  it('pins the empty root', () => {
    assert.equal(rootOf([]), '0'.repeat(64));
  });

  it('pins the root of one key', () => {
    assert.equal(rootOf([set('consent/1', 'granted')]), GOLDEN_ONE_KEY);
  });

  it('pins the root of a small fixed map', () => {
    const writes = SMALL_MAP.map(([key, value]) => set(key, value));
    assert.equal(rootOf(writes), GOLDEN_SMALL_MAP);
  });
});

const SMALL_MAP: Array<[string, string]> = [
  ['consent/1', 'granted'],
  ['consent/2', 'revoked'],
  ['record/a', 'sha256:00'],
  ['record/b', ''],
  ['claim/7', 'paid'],
  ['lot/X-1', 'dispensed'],
  ['trial/é', 'ünïcode'],
];
// Cross-checked against an independent implementation of docs/spec/state.md.
const GOLDEN_ONE_KEY = 'e0f5f64847448059c51da186fef6e6c5c15cfa8912a266f903d2884b2ca115af';
const GOLDEN_SMALL_MAP = '91265094fa37e71e7fb8e4274a95e5b922be186072a2cd8b01fee0173dd2d31f';

describe('state tree: batches', () => {
  it('gives the same root whatever the write order within a batch', () => {
    const writes = SMALL_MAP.map(([key, value]) => set(key, value));
    assert.equal(rootOf([...writes].reverse()), rootOf(writes));
  });

  it('lets the last write to a key in a batch win', () => {
    const root = rootOf([set('a', '1'), remove('a'), set('b', '2'), set('a', '3')]);
    assert.equal(root, rootOf([set('b', '2'), set('a', '3')]));
    assert.equal(rootOf([set('a', '1'), remove('a')]), rootOf([]));
  });

  it('returns to the empty root when everything is deleted', () => {
    const store = new MemoryTreeNodeStore();
    const keys = Array.from({ length: 300 }, (_, i) => `k/${i}`);
    const roots = applyAll(store, [keys.map((key) => set(key, key)), keys.map(remove)]);
    assert.equal(roots[1], '0'.repeat(64));
    assert.equal(getValue(crypto, store, 1, 'k/7'), null);
  });

  it('restores the earlier root when a key is added and then deleted', () => {
    const store = new MemoryTreeNodeStore();
    const base = Array.from({ length: 200 }, (_, i) => set(`k/${i}`, `v${i}`));
    const roots = applyAll(store, [base, [set('extra', 'x')], [remove('extra')]]);
    assert.notEqual(roots[1], roots[0]);
    assert.equal(roots[2], roots[0]);
  });

  it('keeps the root and saves only a root copy for an empty or no-op batch', () => {
    const store = new MemoryTreeNodeStore();
    const roots = applyAll(store, [
      [set('a', '1'), set('b', '2')],
      [],
      [set('a', '1'), remove('missing')],
    ]);
    assert.equal(roots[1], roots[0]);
    assert.equal(roots[2], roots[0]);
    const result = applyWrites(crypto, store, { version: 3, previousVersion: 2, writes: [] });
    assert.deepEqual(
      result.newNodes.map(([id]) => id),
      ['3/'],
    );
    assert.deepEqual(result.staleNodes, ['2/']);
  });

  it('keeps the latest version whole after stale nodes of older versions are deleted', () => {
    const store = new MemoryTreeNodeStore();
    const model = new Map<string, string>();
    let previousVersion: number | null = null;
    for (let version = 0; version < 20; version++) {
      const writes = churn(model, version, 40, {
        key: (i) => `k/${(version * 31 + i * 7) % 97}`,
        deleted: (i) => (version + i) % 5 === 0,
      });
      const result = applyWrites(crypto, store, { version, previousVersion, writes });
      store.save(result);
      store.deleteNodes(result.staleNodes);
      previousVersion = version;
      assert.equal(getRootHash(crypto, store, version), result.root);
    }
    for (let i = 0; i < 97; i++) {
      const value = getValue(crypto, store, 19, `k/${i}`);
      assert.equal(
        value === null ? undefined : new TextDecoder().decode(value),
        model.get(`k/${i}`),
      );
    }
    assert.throws(() => getValue(crypto, store, 18, 'k/1'), { name: 'StateTreeError' });
  });

  it('places new keys beside existing leaves without reading or rewriting those leaves', () => {
    const store = new MemoryTreeNodeStore();
    const base = Array.from({ length: 300 }, (_, i) => set(`member/${i}`, `v${i}`));
    applyAll(store, [base]);
    let leafReads = 0;
    const counting = {
      getNode(id: string) {
        const node = store.getNode(id);
        if (node?.[0] === LEAF_TAG) {
          leafReads++;
        }
        return node;
      },
    };
    const added = Array.from({ length: 200 }, (_, i) => set(`member/new/${i}`, `n${i}`));
    const result = applyWrites(crypto, counting, { version: 1, previousVersion: 0, writes: added });
    store.save(result);
    // With 500 keys in 256 second-level slots most new keys land beside a leaf.
    assert.equal(leafReads, 0);
    const savedLeaves = result.newNodes.filter(([, node]) => node[0] === LEAF_TAG);
    assert.equal(savedLeaves.length, 200, 'moved leaves keep their rows');
    assert.equal(result.staleNodes.filter((id) => !id.endsWith('/')).length > 0, true);
    for (const { key, value } of [...base, ...added]) {
      assert.deepEqual(getValue(crypto, store, 1, key), value);
    }
    assert.equal(result.root, rootOf([...base, ...added]));
  });

  it('reads, extends and prunes a tree whose nodes record no leaf locations', () => {
    // Internal nodes as written before leaf locations were recorded: cut after the versions.
    const legacy = new MemoryTreeNodeStore();
    const fresh = new MemoryTreeNodeStore();
    const base = Array.from({ length: 120 }, (_, i) => set(`k/${i}`, `v${i}`));
    const first = applyWrites(crypto, fresh, { version: 0, previousVersion: null, writes: base });
    legacy.save({ newNodes: first.newNodes.map(([id, node]) => [id, withoutLocations(node)]) });
    const model = new Map(base.map(({ key }, i) => [key, `v${i}`]));
    for (let version = 1; version < 12; version++) {
      const writes = churn(model, version, 30, {
        key: (i) => `k/${(version * 37 + i * 11) % 180}`,
        deleted: (i) => (version + i) % 4 === 0,
      });
      const result = applyWrites(crypto, legacy, { version, previousVersion: version - 1, writes });
      legacy.save(result);
      legacy.deleteNodes(result.staleNodes);
      const expected = [...model].map(([key, value]) => set(key, value));
      assert.equal(result.root, rootOf(expected));
    }
    for (let i = 0; i < 180; i++) {
      const value = getValue(crypto, legacy, 11, `k/${i}`);
      assert.equal(
        value === null ? undefined : new TextDecoder().decode(value),
        model.get(`k/${i}`),
      );
    }
  });

  it('stays exact for keys whose hashes share more than the recorded prefix', () => {
    // Keys named `twin/…` hash to 10 shared bytes, then their own: their leaves sit deeper
    // than a recorded prefix can spell, and telling them apart needs the leaves themselves.
    const twinCrypto: Crypto = {
      ...crypto,
      sha256(data) {
        const digest = crypto.sha256(data);
        if (new TextDecoder().decode(data).startsWith('twin/')) {
          digest.fill(0xab, 0, 10);
        }
        return digest;
      },
    };
    const store = new MemoryTreeNodeStore();
    const model = new Map<string, string>();
    for (let version = 0; version < 10; version++) {
      const writes = churn(model, version, 12, {
        key: (i) => (i % 2 === 0 ? `twin/${(version * 5 + i) % 9}` : `k/${(version + i) % 15}`),
        deleted: (i) => (version * 3 + i) % 7 === 0,
      });
      const previousVersion = version === 0 ? null : version - 1;
      const result = applyWrites(twinCrypto, store, { version, previousVersion, writes });
      store.save(result);
      store.deleteNodes(result.staleNodes);
      const expected = [...model].map(([key, value]) => set(key, value));
      const fresh = applyWrites(twinCrypto, new MemoryTreeNodeStore(), {
        version: 0,
        previousVersion: null,
        writes: expected,
      });
      assert.equal(result.root, fresh.root);
      for (const key of [...Array(9).keys()].map((i) => `twin/${i}`)) {
        const value = getValue(twinCrypto, store, version, key);
        assert.equal(value === null ? undefined : new TextDecoder().decode(value), model.get(key));
      }
    }
  });

  it('rejects a version that does not follow the previous one', () => {
    const store = new MemoryTreeNodeStore();
    applyAll(store, [[set('a', '1')]]);
    assert.throws(() => applyWrites(crypto, store, { version: 0, previousVersion: 0, writes: [] }));
  });
});
