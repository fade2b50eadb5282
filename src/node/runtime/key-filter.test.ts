/** The key filter never forgets a key, and rarely claims one it never saw. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { KeyFilter } from './key-filter.js';

test('key filter: every added key is reported as possibly present', () => {
  fc.assert(
    fc.property(fc.array(fc.string({ maxLength: 120 }), { maxLength: 300 }), (keys) => {
      const filter = new KeyFilter(keys.length);
      for (const key of keys) {
        filter.add(key);
      }
      return keys.every((key) => filter.mightContain(key));
    }),
  );
});

test('key filter: false positives stay rare at its designed load', () => {
  const filter = new KeyFilter(100_000);
  for (let i = 0; i < 100_000; i++) {
    filter.add(`identity/member/m-${i}`);
  }
  assert.equal(filter.saturated, false);
  let positives = 0;
  for (let i = 0; i < 100_000; i++) {
    if (filter.mightContain(`identity/member/x-${i}`)) {
      positives++;
    }
  }
  assert.ok(positives < 100, `${positives} false positives in 100,000`);
});

test('key filter: reports saturation once it holds more keys than it was sized for', () => {
  const filter = new KeyFilter(0);
  let added = 0;
  while (!filter.saturated) {
    filter.add(`k/${added++}`);
  }
  assert.ok(added > 60_000, `saturated after ${added} keys`);
});
