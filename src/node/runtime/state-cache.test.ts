/** The state cache serves what the store holds, follows commits, and stays bounded. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { utf8 } from '../../protocol/core/bytes.js';
import { StateCache } from './state-cache.js';

test('state cache: reads through, caches absence, applies commits, stays bounded', () => {
  const store = new Map<string, Uint8Array>([['a', utf8('1')]]);
  let loads = 0;
  const cache = new StateCache((key) => {
    loads++;
    return store.get(key);
  }, 32);
  assert.deepEqual(cache.get('a'), utf8('1'));
  assert.equal(cache.get('missing'), undefined);
  cache.get('a');
  cache.get('missing');
  assert.equal(loads, 2, 'second reads come from the cache, absence included');
  cache.apply(
    new Map([
      ['a', null],
      ['b', utf8('2')],
    ]),
  );
  assert.equal(cache.get('a'), undefined);
  assert.deepEqual(cache.get('b'), utf8('2'));
  for (let i = 0; i < 1_000; i++) {
    cache.get(`k${i}`);
  }
  assert.ok(cache.size <= 32);
});

test('state cache with a key filter: absent keys skip the store, present ones are found', () => {
  const store = new Map<string, Uint8Array>();
  for (let i = 0; i < 5_000; i++) {
    store.set(`present/${i}`, utf8(String(i)));
  }
  let loads = 0;
  const scan = (visit: (key: string) => void) => {
    for (const key of store.keys()) {
      visit(key);
    }
    return store.size;
  };
  const cache = new StateCache(
    (key) => {
      loads++;
      return store.get(key);
    },
    64,
    scan,
  );
  for (let i = 0; i < 5_000; i++) {
    assert.deepEqual(cache.get(`present/${i}`), utf8(String(i)));
  }
  loads = 0;
  for (let i = 0; i < 5_000; i++) {
    assert.equal(cache.get(`absent/${i}`), undefined);
  }
  assert.ok(loads < 25, `${loads} of 5,000 absent reads reached the store`);
  // Commits add keys, and past the filter's size it is rebuilt from the store: none is lost.
  for (let block = 0; block < 40; block++) {
    const writes = new Map<string, Uint8Array | null>();
    for (let i = 0; i < 2_000; i++) {
      const key = `new/${block}/${i}`;
      store.set(key, utf8('x'));
      writes.set(key, utf8('x'));
    }
    cache.apply(writes);
  }
  for (let block = 0; block < 40; block++) {
    for (let i = 0; i < 2_000; i += 97) {
      assert.deepEqual(cache.get(`new/${block}/${i}`), utf8('x'), `new/${block}/${i}`);
    }
  }
});
