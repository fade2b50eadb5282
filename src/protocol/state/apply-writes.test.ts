/**
 * Unit tests and golden vectors for state tree batches: the root must depend only on the
 * final key set, and the pinned roots keep the node format from drifting silently.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { utf8 } from '../core/bytes.js';
import { pureCrypto } from '../core/crypto.js';
import { applyWrites } from './apply-writes.js';
import { getRootHash, getValue } from './get-value.js';
import { MemoryTreeNodeStore } from './memory-tree-node-store.js';
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
const remove = (key: string): StateWrite => ({ key, value: null });

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
      const writes: StateWrite[] = [];
      for (let i = 0; i < 40; i++) {
        const key = `k/${(version * 31 + i * 7) % 97}`;
        const deleted = (version + i) % 5 === 0;
        writes.push(deleted ? remove(key) : set(key, `${version}.${i}`));
        deleted ? model.delete(key) : model.set(key, `${version}.${i}`);
      }
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

  it('rejects a version that does not follow the previous one', () => {
    const store = new MemoryTreeNodeStore();
    applyAll(store, [[set('a', '1')]]);
    assert.throws(() => applyWrites(crypto, store, { version: 0, previousVersion: 0, writes: [] }));
  });
});
