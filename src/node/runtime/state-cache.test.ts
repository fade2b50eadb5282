/** The state cache serves what the source holds, follows commits, and stays bounded. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { toHex, utf8 } from '../../protocol/core/bytes.js';
import { LEAF_TAG } from '../../protocol/state/node-codec.js';
import { StateCache, type StateSource } from './state-cache.js';

const hashOf = (key: string) => new Uint8Array(createHash('sha256').update(key).digest());

/** A state-tree leaf for `key`, as a block's new tree nodes carry it: tag ‖ key hash ‖ …. */
function leafOf(key: string): readonly [string, Uint8Array] {
  const leaf = new Uint8Array(1 + 32 + 32 + 1);
  leaf[0] = LEAF_TAG;
  leaf.set(hashOf(key), 1);
  return [`1/${key}`, leaf];
}

/** A source filed by key hash, as the state tree is, counting the loads that reach it. */
function hashedSource(filtered: boolean) {
  const byHash = new Map<string, Uint8Array>();
  const counter = { loads: 0 };
  const source: StateSource = {
    keyHash: hashOf,
    load(keyHash) {
      counter.loads++;
      return byHash.get(toHex(keyHash));
    },
  };
  if (filtered) {
    source.scanKeyHashes = (visit) => {
      for (const hex of byHash.keys()) {
        visit(Uint8Array.from(Buffer.from(hex, 'hex')));
      }
      return byHash.size;
    };
  }
  const put = (key: string, value: Uint8Array) => byHash.set(toHex(hashOf(key)), value);
  return { source, counter, put };
}

test('state cache: reads through, caches absence, applies commits, stays bounded', () => {
  const { source, counter, put } = hashedSource(false);
  put('a', utf8('1'));
  const cache = new StateCache(source, 32);
  assert.deepEqual(cache.get('a'), utf8('1'));
  assert.equal(cache.get('missing'), undefined);
  cache.get('a');
  cache.get('missing');
  assert.equal(counter.loads, 2, 'second reads come from the cache, absence included');
  put('c', utf8('3'));
  assert.deepEqual(cache.get('c'), utf8('3'));
  // The tree commits a block's writes, then the cache applies them.
  put('b', utf8('2'));
  put('c', utf8('4'));
  cache.apply(
    new Map([
      ['a', null],
      ['b', utf8('2')],
      ['c', utf8('4')],
      ['missing', utf8('5')],
    ]),
    [leafOf('b'), leafOf('missing')],
  );
  put('missing', utf8('5'));
  const loads = counter.loads;
  assert.equal(cache.get('a'), undefined, 'a deleted cached key is absent');
  assert.deepEqual(cache.get('c'), utf8('4'), 'a cached key is updated in place');
  assert.equal(counter.loads, loads, 'both from the cache');
  assert.deepEqual(cache.get('b'), utf8('2'), 'a key created by the block reads through');
  assert.deepEqual(cache.get('missing'), utf8('5'), 'a key cached as absent is not any more');
  assert.equal(counter.loads, loads + 2, 'keys not cached with a value are not cached on write');
  for (let i = 0; i < 1_000; i++) {
    cache.get(`k${i}`);
  }
  assert.ok(cache.size <= 32);
});

test('state cache with a key filter: absent keys skip the source, present ones are found', () => {
  const { source, counter, put } = hashedSource(true);
  for (let i = 0; i < 2_000; i++) {
    put(`present/${i}`, utf8(String(i)));
  }
  const cache = new StateCache(source, 64);
  for (let i = 0; i < 2_000; i += 13) {
    assert.deepEqual(cache.get(`present/${i}`), utf8(String(i)));
  }
  counter.loads = 0;
  for (let i = 0; i < 5_000; i++) {
    assert.equal(cache.get(`absent/${i}`), undefined);
  }
  assert.ok(counter.loads < 25, `${counter.loads} of 5,000 absent reads reached the source`);
  // Commits add keys, past the filter's first layer too: none is reported absent.
  for (let block = 0; block < 40; block++) {
    const writes = new Map<string, Uint8Array | null>();
    const leaves: Array<readonly [string, Uint8Array]> = [];
    for (let i = 0; i < 2_000; i++) {
      const key = `new/${block}/${i}`;
      put(key, utf8('x'));
      writes.set(key, utf8('x'));
      leaves.push(leafOf(key));
    }
    cache.apply(writes, leaves);
  }
  for (let block = 0; block < 40; block++) {
    for (let i = 0; i < 2_000; i += 397) {
      assert.deepEqual(cache.get(`new/${block}/${i}`), utf8('x'), `new/${block}/${i}`);
    }
  }
});

test('state cache: the filter learns new keys from the leaves of the block’s tree nodes', () => {
  const { source, put } = hashedSource(true);
  const cache = new StateCache(source, 4);
  assert.equal(cache.get('member/new'), undefined, 'absent before the block');
  put('member/new', utf8('m'));
  // Only the leaf tells the filter: the written key is not hashed again.
  cache.apply(new Map([['member/new', utf8('m')]]), [leafOf('member/new')]);
  // Push the value out of the four-entry cache, so the next read goes to the filter.
  for (let i = 0; i < 8; i++) {
    cache.apply(new Map([[`other/${i}`, utf8('o')]]), []);
  }
  assert.deepEqual(cache.get('member/new'), utf8('m'));
});
