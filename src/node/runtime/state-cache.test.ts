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
