/**
 * Rewrites test/vectors/*.json from the current code. Run it only when an encoding change
 * is intended, and review the diff: node --import tsx test/vectors/generate.ts (then
 * npx biome format --write test/vectors; the test compares parsed JSON, not layout).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pureCrypto, seedSigner } from '../../src/protocol/core/crypto.js';
import { computeVectors, formatVector, VECTOR_FILES, VECTOR_SEED } from './compute.js';

const vectors = computeVectors(pureCrypto, seedSigner(VECTOR_SEED));
for (const name of VECTOR_FILES) {
  const path = join(process.cwd(), 'test', 'vectors', `${name}.json`);
  writeFileSync(path, formatVector(vectors[name]));
  console.log(`wrote ${path}`);
}
