/**
 * RFC 6962 conformance: transparency-dev/merkle testdata. Each JSON file is one proof with
 * base64 hashes and `wantErr`; verification must succeed exactly when wantErr is false.
 * The subtree* folders cover proofs over arbitrary subtrees, which medchain does not offer.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, it } from 'node:test';
import { sodiumCrypto } from '../../src/node/crypto/sodium-crypto.js';
import { toHex } from '../../src/protocol/core/bytes.js';
import { pureCrypto } from '../../src/protocol/core/crypto.js';
import { verifyConsistency, verifyInclusion } from '../../src/protocol/core/merkle.js';
import { corpusPath, filesBelow } from './corpora.js';

const bytes = (base64: string): Uint8Array => new Uint8Array(Buffer.from(base64, 'base64'));
const path = (items: string[] | null): string[] => (items ?? []).map((item) => toHex(bytes(item)));

interface InclusionCase {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  wantErr: boolean;
}

interface ConsistencyCase {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  wantErr: boolean;
}

function checkFiles<T extends { wantErr: boolean }>(
  folder: string,
  verify: (item: T) => boolean,
): number {
  const files = filesBelow(folder, '.json');
  assert.ok(files.length > 0, `no vectors in ${folder}`);
  for (const file of files) {
    const item = JSON.parse(readFileSync(file, 'utf8')) as T;
    assert.equal(verify(item), !item.wantErr, `${relative(folder, file)}: wantErr=${item.wantErr}`);
  }
  return files.length;
}

describe('conformance: RFC 6962 proofs (merkle/testdata)', () => {
  for (const crypto of [sodiumCrypto, pureCrypto]) {
    it(`inclusion proofs (${crypto.name})`, () => {
      const folder = corpusPath('merkle/testdata/inclusion', 'RFC 6962 inclusion vectors');
      const count = checkFiles<InclusionCase>(folder, (item) =>
        verifyInclusion(crypto, {
          leafHash: bytes(item.leafHash),
          root: bytes(item.root),
          proof: { leafIndex: item.leafIdx, treeSize: item.treeSize, path: path(item.proof) },
        }),
      );
      console.log(`RFC 6962 inclusion (${crypto.name}): ${count} vectors checked`);
    });

    it(`consistency proofs (${crypto.name})`, () => {
      const folder = corpusPath('merkle/testdata/consistency', 'RFC 6962 consistency vectors');
      const count = checkFiles<ConsistencyCase>(folder, (item) =>
        verifyConsistency(crypto, {
          firstRoot: bytes(item.root1),
          secondRoot: bytes(item.root2),
          proof: { firstSize: item.size1, secondSize: item.size2, path: path(item.proof) },
        }),
      );
      console.log(`RFC 6962 consistency (${crypto.name}): ${count} vectors checked`);
    });
  }
});
