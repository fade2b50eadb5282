/**
 * Golden vectors: recomputes test/vectors/*.json with every Crypto implementation and fails
 * on any difference. If the change is intended, run test/vectors/generate.ts and review it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { nodeCrypto, nodeSigner } from '../../src/node/crypto/node-crypto.js';
import { sodiumCrypto, sodiumSigner } from '../../src/node/crypto/sodium-crypto.js';
import { fromHex } from '../../src/protocol/core/bytes.js';
import { pureCrypto, seedSigner } from '../../src/protocol/core/crypto.js';
import { hashLeaf, verifyConsistency, verifyInclusion } from '../../src/protocol/core/merkle.js';
import { computeVectors, formatVector, VECTOR_FILES, VECTOR_SEED } from './compute.js';

const IMPLEMENTATIONS = [
  { crypto: sodiumCrypto, signer: sodiumSigner(VECTOR_SEED) },
  { crypto: nodeCrypto, signer: nodeSigner(VECTOR_SEED) },
  { crypto: pureCrypto, signer: seedSigner(VECTOR_SEED) },
];

function committed(name: string): string {
  return readFileSync(join(process.cwd(), 'test', 'vectors', `${name}.json`), 'utf8');
}

describe('vectors: golden encodings', () => {
  for (const { crypto, signer } of IMPLEMENTATIONS) {
    const vectors = computeVectors(crypto, signer);
    for (const name of VECTOR_FILES) {
      it(`${name}.json matches the code (${crypto.name})`, () => {
        // Compared as parsed JSON so that reformatting the file is not drift.
        assert.deepEqual(
          JSON.parse(formatVector(vectors[name])),
          JSON.parse(committed(name)),
          `${name}.json drifted; if intended, run node --import tsx test/vectors/generate.ts`,
        );
      });
    }
  }

  it('the committed Merkle proofs verify against the committed roots', () => {
    const merkle = JSON.parse(committed('merkle'));
    const rootOf = (size: number) =>
      fromHex(merkle.roots.find((entry: { size: number }) => entry.size === size).root);
    const leafHash = fromHex(merkle.inclusion.leafHash);
    assert.deepEqual(leafHash, hashLeaf(pureCrypto, fromHex(merkle.leaves[5])));
    const proof = merkle.inclusion.proof;
    assert.ok(verifyInclusion(pureCrypto, { leafHash, proof, root: rootOf(17) }));
    const consistency = merkle.consistency;
    const roots = { firstRoot: rootOf(consistency.firstSize), secondRoot: rootOf(17) };
    assert.ok(verifyConsistency(pureCrypto, { proof: consistency, ...roots }));
  });
});
