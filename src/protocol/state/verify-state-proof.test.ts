/**
 * Proof soundness: honest proofs verify, and any tampering with the proof, the value, the
 * key or the root fails, including every attempt to prove a present key absent.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { utf8 } from '../core/bytes.js';
import { pureCrypto } from '../core/crypto.js';
import { applyWrites } from './apply-writes.js';
import { MemoryTreeNodeStore } from './memory-tree-node-store.js';
import { proveKey } from './prove-key.js';
import type { StateProof } from './types.js';
import { verifyStateProof } from './verify-state-proof.js';

const crypto = pureCrypto;
const KEY_COUNT = 500;

function setup() {
  const store = new MemoryTreeNodeStore();
  const writes = Array.from({ length: KEY_COUNT }, (_, i) => ({
    key: `k/${i}`,
    value: utf8(`v${i}`),
  }));
  const result = applyWrites(crypto, store, { version: 0, previousVersion: null, writes });
  store.save(result);
  return { store, root: result.root };
}

const { store, root } = setup();
const clone = (proof: StateProof): StateProof => structuredClone(proof);
const flipHex = (hex: string): string => (hex[0] === '0' ? '1' : '0') + hex.slice(1);

describe('state proofs: soundness', () => {
  it('verifies present and absent keys', () => {
    for (const key of ['k/0', 'k/499', 'absent/1', 'absent/2']) {
      const { value, proof } = proveKey(crypto, store, 0, key);
      assert.equal(value !== null, key.startsWith('k/'));
      assert.ok(verifyStateProof(crypto, { root, key, value, proof }));
    }
  });

  it('covers both ways a path can end for absent keys', () => {
    const endings = new Set<string>();
    for (let i = 0; i < 200; i++) {
      endings.add(proveKey(crypto, store, 0, `absent/${i}`).proof.leaf === null ? 'slot' : 'leaf');
    }
    assert.deepEqual([...endings].sort(), ['leaf', 'slot']);
  });

  it('rejects a wrong value, a wrong key and a wrong root', () => {
    const { value, proof } = proveKey(crypto, store, 0, 'k/5');
    assert.ok(!verifyStateProof(crypto, { root, key: 'k/5', value: utf8('v6'), proof }));
    assert.ok(!verifyStateProof(crypto, { root, key: 'k/6', value, proof }));
    assert.ok(!verifyStateProof(crypto, { root: flipHex(root), key: 'k/5', value, proof }));
  });

  it('rejects every single-field tampering of a proof', () => {
    const key = 'k/42';
    const { value, proof } = proveKey(crypto, store, 0, key);
    for (let i = 0; i < proof.steps.length; i++) {
      const masked = clone(proof);
      masked.steps[i]!.childMask ^= 1 << 15;
      assert.ok(!verifyStateProof(crypto, { root, key, value, proof: masked }));
      for (let j = 0; j < proof.steps[i]!.siblings.length; j++) {
        const tampered = clone(proof);
        tampered.steps[i]!.siblings[j] = flipHex(tampered.steps[i]!.siblings[j]!);
        assert.ok(!verifyStateProof(crypto, { root, key, value, proof: tampered }));
      }
    }
    const truncated = { ...clone(proof), steps: proof.steps.slice(1) };
    assert.ok(!verifyStateProof(crypto, { root, key, value, proof: truncated }));
  });

  it('cannot prove a present key absent', () => {
    for (let i = 0; i < KEY_COUNT; i += 7) {
      const key = `k/${i}`;
      const own = proveKey(crypto, store, 0, key).proof;
      assert.ok(!verifyStateProof(crypto, { root, key, value: null, proof: own }));
      // An honest absence proof for another key, replayed for this one.
      const other = proveKey(crypto, store, 0, `absent/${i}`).proof;
      assert.ok(!verifyStateProof(crypto, { root, key, value: null, proof: other }));
      // The own proof with its leaf dropped, claiming the slot is empty.
      const emptied = { ...clone(own), leaf: null };
      assert.ok(!verifyStateProof(crypto, { root, key, value: null, proof: emptied }));
    }
  });

  it('returns false, never throws, on malformed proofs', () => {
    const { value, proof } = proveKey(crypto, store, 0, 'k/1');
    const malformed: unknown[] = [
      null,
      {},
      { steps: 'x', leaf: null },
      { steps: [{ childMask: 0, siblings: [] }], leaf: null },
      { steps: [{ childMask: 1.5, siblings: [] }], leaf: null },
      { steps: [{ childMask: 3, siblings: ['zz'] }], leaf: null },
      { ...proof, leaf: { keyHash: 'ab', valueHash: proof.leaf?.valueHash } },
      { steps: Array.from({ length: 65 }, () => proof.steps[0]), leaf: proof.leaf },
    ];
    for (const bad of malformed) {
      const params = { root, key: 'k/1', value, proof: bad as StateProof };
      assert.equal(verifyStateProof(crypto, params), false);
    }
    assert.equal(verifyStateProof(crypto, { root: 'not hex', key: 'k/1', value, proof }), false);
  });

  it('proves the empty tree and a one-key tree', () => {
    const tiny = new MemoryTreeNodeStore();
    const empty = applyWrites(crypto, tiny, { version: 0, previousVersion: null, writes: [] });
    tiny.save(empty);
    const one = applyWrites(crypto, tiny, {
      version: 1,
      previousVersion: 0,
      writes: [{ key: 'only', value: utf8('1') }],
    });
    tiny.save(one);
    const absentInEmpty = proveKey(crypto, tiny, 0, 'only');
    assert.deepEqual(absentInEmpty.proof, { steps: [], leaf: null });
    assert.ok(
      verifyStateProof(crypto, {
        root: empty.root,
        key: 'only',
        value: null,
        proof: absentInEmpty.proof,
      }),
    );
    const present = proveKey(crypto, tiny, 1, 'only');
    assert.equal(present.proof.steps.length, 0);
    assert.ok(
      verifyStateProof(crypto, {
        root: one.root,
        key: 'only',
        value: utf8('1'),
        proof: present.proof,
      }),
    );
    const absent = proveKey(crypto, tiny, 1, 'other');
    assert.ok(
      verifyStateProof(crypto, { root: one.root, key: 'other', value: null, proof: absent.proof }),
    );
    assert.ok(
      !verifyStateProof(crypto, { root: one.root, key: 'only', value: null, proof: absent.proof }),
    );
  });
});
