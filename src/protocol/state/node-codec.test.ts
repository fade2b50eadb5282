/** Node ids: parseNodeId reads back exactly the version and path nodeId was given. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { NIBBLE_CHARS, nodeId, parseNodeId } from './node-codec.js';

describe('state node ids', () => {
  it('parse back to the version and path they were made of', () => {
    const path = fc
      .array(fc.constantFrom(...NIBBLE_CHARS), { maxLength: 64 })
      .map((nibbles) => nibbles.join(''));
    fc.assert(
      fc.property(fc.nat(), path, (version, nibbles) => {
        assert.deepEqual(parseNodeId(nodeId(version, nibbles)), { version, path: nibbles });
      }),
    );
  });
});
