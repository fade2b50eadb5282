/**
 * Model-based property test: random sequences of batches against a plain Map. After every
 * batch, reads, roots and proofs at the current and all older versions must agree with
 * the model. Seeded through FUZZ_SEED, sized through FUZZ_RUNS.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fromUtf8, utf8 } from '../core/bytes.js';
import { pureCrypto } from '../core/crypto.js';
import { applyWrites } from './apply-writes.js';
import { forEachLeaf } from './for-each-leaf.js';
import { getValue } from './get-value.js';
import { MemoryTreeNodeStore } from './memory-tree-node-store.js';
import { proveKey } from './prove-key.js';
import type { StateWrite } from './types.js';
import { verifyStateProof } from './verify-state-proof.js';

const crypto = pureCrypto;
const KEYS = Array.from({ length: 48 }, (_, i) => `key/${i}`);
const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const numRuns = Number(process.env.FUZZ_RUNS ?? 60);

const writeArbitrary = fc.record({
  key: fc.constantFrom(...KEYS),
  value: fc.option(fc.string({ maxLength: 6 }), { nil: null, freq: 3 }),
});
const batchesArbitrary = fc.array(fc.array(writeArbitrary, { maxLength: 40 }), {
  minLength: 1,
  maxLength: 12,
});

type Model = Map<string, string>;

function freshRoot(model: Model): string {
  const writes = [...model].map(([key, value]) => ({ key, value: utf8(value) }));
  return applyWrites(crypto, new MemoryTreeNodeStore(), {
    version: 0,
    previousVersion: null,
    writes,
  }).root;
}

function checkVersion(store: MemoryTreeNodeStore, version: number, root: string, model: Model) {
  for (const key of KEYS) {
    const expected = model.get(key);
    const value = getValue(crypto, store, version, key);
    assert.equal(value === null ? undefined : fromUtf8(value), expected);
    const proven = proveKey(crypto, store, version, key);
    assert.equal(proven.value === null ? undefined : fromUtf8(proven.value), expected);
    assert.ok(verifyStateProof(crypto, { root, key, value: proven.value, proof: proven.proof }));
    // The same proof must not also prove the opposite claim.
    const wrongValue = expected === undefined ? utf8('x') : null;
    assert.ok(!verifyStateProof(crypto, { root, key, value: wrongValue, proof: proven.proof }));
  }
}

/** Applies one generated batch as `version`, saves its nodes and updates the model. */
function applyBatch(
  store: MemoryTreeNodeStore,
  model: Model,
  batch: Array<{ key: string; value: string | null }>,
  version: number,
) {
  const writes: StateWrite[] = batch.map(({ key, value }) => ({
    key,
    value: value === null ? null : utf8(value),
  }));
  const previousVersion = version === 0 ? null : version - 1;
  const result = applyWrites(crypto, store, { version, previousVersion, writes });
  store.save(result);
  for (const { key, value } of batch) {
    value === null ? model.delete(key) : model.set(key, value);
  }
  return result;
}

describe('state tree: model-based', () => {
  it('agrees with a Map over random batches, at every kept version', () => {
    fc.assert(
      fc.property(batchesArbitrary, (batches) => {
        const store = new MemoryTreeNodeStore();
        const model: Model = new Map();
        const history: Array<{ root: string; model: Model }> = [];
        batches.forEach((batch, version) => {
          const result = applyBatch(store, model, batch, version);
          assert.equal(result.root, freshRoot(model), 'root depends only on the key set');
          history.push({ root: result.root, model: new Map(model) });
        });
        history.forEach(({ root, model: old }, version) => {
          checkVersion(store, version, root, old);
        });
      }),
      { numRuns, ...(seed === undefined ? {} : { seed }) },
    );
  });

  it('keeps the latest version whole when each batch prunes what it made stale', () => {
    fc.assert(
      fc.property(batchesArbitrary, (batches) => {
        const store = new MemoryTreeNodeStore();
        const model: Model = new Map();
        let root = '';
        batches.forEach((batch, version) => {
          const result = applyBatch(store, model, batch, version);
          store.deleteNodes(result.staleNodes);
          root = result.root;
        });
        checkVersion(store, batches.length - 1, root, model);
        assert.equal(
          forEachLeaf(store, batches.length - 1, () => {}),
          model.size,
        );
      }),
      { numRuns, ...(seed === undefined ? {} : { seed }) },
    );
  });

  it('gives the same root for any order of one batch with distinct keys', () => {
    const distinct = fc.uniqueArray(writeArbitrary, { selector: (write) => write.key });
    fc.assert(
      fc.property(distinct, fc.infiniteStream(fc.nat()), (writes, noise) => {
        const shuffled = [...writes].sort(() => (noise.next().value % 3) - 1);
        const toWrites = (list: typeof writes): StateWrite[] =>
          list.map(({ key, value }) => ({ key, value: value === null ? null : utf8(value) }));
        const store = () => new MemoryTreeNodeStore();
        const a = applyWrites(crypto, store(), {
          version: 0,
          previousVersion: null,
          writes: toWrites(writes),
        });
        const b = applyWrites(crypto, store(), {
          version: 0,
          previousVersion: null,
          writes: toWrites(shuffled),
        });
        assert.equal(a.root, b.root);
      }),
      { numRuns, ...(seed === undefined ? {} : { seed }) },
    );
  });
});
