/** The key filter never forgets a key, rarely claims one it never saw, and grows by layers. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { KeyFilter } from './key-filter.js';

const hashOf = (key: string) => new Uint8Array(createHash('sha256').update(key).digest());

test('key filter: every added key is reported as possibly present', () => {
  fc.assert(
    fc.property(fc.array(fc.string({ maxLength: 120 }), { maxLength: 300 }), (keys) => {
      const filter = new KeyFilter(keys.length);
      for (const key of keys) {
        filter.add(hashOf(key));
      }
      return keys.every((key) => filter.mightContain(hashOf(key)));
    }),
  );
});

test('key filter: a key hash given as a view into a larger buffer reads its own bytes', () => {
  const filter = new KeyFilter();
  const hash = hashOf('identity/member/m-1');
  const framed = new Uint8Array(40);
  framed.set(hash, 5);
  filter.add(framed.subarray(5, 37));
  assert.equal(filter.mightContain(hash), true);
});

test('key filter: false positives stay rare at its designed load', () => {
  const filter = new KeyFilter(100_000);
  for (let i = 0; i < 100_000; i++) {
    filter.add(hashOf(`identity/member/m-${i}`));
  }
  assert.equal(filter.layerCount, 1);
  let positives = 0;
  for (let i = 0; i < 100_000; i++) {
    if (filter.mightContain(hashOf(`identity/member/x-${i}`))) {
      positives++;
    }
  }
  assert.ok(positives < 100, `${positives} false positives in 100,000`);
});

test('key filter: past its size it adds layers, keeps every key and stays selective', () => {
  const filter = new KeyFilter(0);
  const total = 400_000;
  for (let i = 0; i < total; i++) {
    filter.add(hashOf(`k/${i}`));
  }
  assert.ok(filter.layerCount > 1 && filter.layerCount <= 4, `${filter.layerCount} layers`);
  for (let i = 0; i < total; i += 7) {
    assert.equal(filter.mightContain(hashOf(`k/${i}`)), true, `k/${i}`);
  }
  let positives = 0;
  for (let i = 0; i < 100_000; i++) {
    if (filter.mightContain(hashOf(`absent/${i}`))) {
      positives++;
    }
  }
  assert.ok(positives < 300, `${positives} false positives in 100,000`);
});

test('key filter: keys added again and again, as updated leaves are, do not grow it', () => {
  const filter = new KeyFilter();
  const hot = Array.from({ length: 1_000 }, (_, i) => hashOf(`nonce/${i}`));
  for (let block = 0; block < 200; block++) {
    for (const keyHash of hot) {
      filter.add(keyHash);
    }
  }
  assert.equal(filter.layerCount, 1);
  assert.ok(filter.added <= hot.length, `${filter.added} counted`);
});
