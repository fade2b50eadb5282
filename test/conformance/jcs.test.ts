/**
 * RFC 8785 conformance: cyberphone/json-canonicalization testdata (by the RFC's author).
 * Each input/X.json must canonicalize to output/X.json, byte for byte as in outhex/X.txt.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { toHex } from '../../src/protocol/core/bytes.js';
import { canonicalBytes, canonicalize } from '../../src/protocol/core/canonical.js';
import { corpusPath } from './corpora.js';

describe('conformance: RFC 8785 (jcs/testdata)', () => {
  it('canonicalizes every input to the expected output and bytes', () => {
    const root = corpusPath('jcs/testdata', 'RFC 8785 test data (jcs/testdata)');
    const inputs = readdirSync(corpusPath('jcs/testdata/input', 'jcs input folder'));
    assert.ok(inputs.length > 0, `no inputs in ${root}/input`);
    let checked = 0;
    for (const name of inputs.sort()) {
      const input = JSON.parse(readFileSync(join(root, 'input', name), 'utf8'));
      const expected = readFileSync(join(root, 'output', name), 'utf8');
      const hexName = name.replace(/\.json$/, '.txt');
      const expectedHex = readFileSync(join(root, 'outhex', hexName), 'utf8').replace(/\s+/g, '');
      assert.equal(canonicalize(input), expected, `output/${name}`);
      assert.equal(toHex(canonicalBytes(input)), expectedHex.toLowerCase(), `outhex/${hexName}`);
      checked++;
    }
    console.log(`RFC 8785: ${checked} files checked (output and outhex)`);
  });
});
