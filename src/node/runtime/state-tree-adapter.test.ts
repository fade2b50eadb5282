/**
 * The node's state tree cache: one node per path, the newest. Paths rewritten by every
 * block must not push out the nodes of paths written long ago, and old versions must still
 * read (from the store) exactly as they were.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WriteSet } from '../../protocol/contracts/engine/types.js';
import type { Bytes } from '../../protocol/core/bytes.js';
import { utf8 } from '../../protocol/core/bytes.js';
import { INTERNAL_TAG, parseNodeId } from '../../protocol/state/node-codec.js';
import { verifyStateProof } from '../../protocol/state/verify-state-proof.js';
import { sodiumCrypto } from '../crypto/index.js';
import { nodeStateTree } from './state-tree-adapter.js';

const crypto = sodiumCrypto;

function setup(cachedLevels: number, deepEntries = 32_768, garbageFloorBytes?: number) {
  const saved = new Map<string, Bytes>();
  let internalReads = 0;
  const readPaths: string[] = [];
  const store = {
    treeNode(id: string): Bytes | undefined {
      const node = saved.get(id);
      if (node?.[0] === INTERNAL_TAG) {
        internalReads++;
        readPaths.push(parseNodeId(id).path);
      }
      return node;
    },
  };
  const tree = nodeStateTree(crypto, store, cachedLevels, deepEntries, garbageFloorBytes);
  const roots: string[] = [];
  const commit = (version: number, writes: WriteSet) => {
    const { root, nodes } = tree.commit(version, writes);
    for (const [id, node] of nodes) {
      saved.set(id, node.slice());
    }
    tree.persisted(nodes);
    roots[version] = root;
  };
  return { tree, commit, roots, internalReads: () => internalReads, readPaths };
}

const writes = (keys: string[], tag: string): WriteSet =>
  new Map(keys.map((key) => [key, utf8(`${key}=${tag}`)]));

describe('state tree node cache', () => {
  it('keeps the nodes of quiet paths while busy paths are rewritten block after block', () => {
    // Room for every internal node of this tree once, not for the copies 30 blocks make.
    const { commit, internalReads } = setup(1, 256);
    const quiet = Array.from({ length: 300 }, (_, i) => `quiet/${i}`);
    const busy = Array.from({ length: 40 }, (_, i) => `busy/${i}`);
    commit(0, writes([...quiet, ...busy], '0'));
    for (let version = 1; version <= 30; version++) {
      commit(version, writes(busy, String(version)));
    }
    const before = internalReads();
    commit(31, writes(quiet.slice(0, 60), 'changed'));
    assert.equal(internalReads() - before, 0, 'quiet paths were pushed out by superseded copies');
  });

  it('keeps the upper levels whatever the size of the state, and reads only deeper nodes', () => {
    // Two kept levels hold at most 17 nodes; 3,000 keys make hundreds of internal nodes
    // below them, far more than a deeper tier of 8. Writes all over the tree must still
    // never read the top two levels.
    const { commit, readPaths } = setup(2, 8);
    const keys = Array.from({ length: 3_000 }, (_, i) => `member/${i}`);
    commit(0, writes(keys, '0'));
    for (let version = 1; version <= 10; version++) {
      commit(
        version,
        writes(
          keys.filter((_, i) => i % 10 === version - 1),
          String(version),
        ),
      );
    }
    assert.ok(readPaths.length > 0, 'the deeper levels come from the store');
    const shallow = readPaths.filter((path) => path.length < 2);
    assert.deepEqual(shallow, [], 'an upper-level node was read from the store');
  });

  it('frees superseded nodes within its bound, and moved nodes keep their bytes', () => {
    // A small floor, so that the bound (the larger of it and half the live bytes) is reached
    // within a few blocks and the survivors of emptied slabs are moved often. A collection
    // leaves at most half the bound; this workload stays within a quarter of the live bytes.
    const { tree, commit, roots } = setup(3, 2_048, 4_096);
    const keys = Array.from({ length: 3_000 }, (_, i) => `member/${i}`);
    const latest = new Map(keys.map((key) => [key, '0']));
    commit(0, writes(keys, '0'));
    let collections = 0;
    let seed = 7;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed;
    };
    for (let version = 1; version <= 120; version++) {
      // A few keys every block, the rest now and then: slabs empty at different speeds.
      const chosen = keys.filter((_, i) => i < 20 || next() % 40 === 0);
      for (const key of chosen) {
        latest.set(key, String(version));
      }
      const before = tree.cacheBytes().slabs;
      commit(version, writes(chosen, String(version)));
      if (tree.cacheBytes().slabs < before) {
        collections++;
      }
      const { live, superseded } = tree.cacheBytes();
      assert.ok(
        superseded <= Math.max(4_096, live / 4),
        `version ${version}: ${superseded} superseded bytes kept for ${live} live`,
      );
    }
    assert.ok(collections >= 5, `slabs freed after only ${collections} blocks`);
    for (const key of keys) {
      const { value, proof } = tree.prove(120, key);
      assert.deepEqual(value, utf8(`${key}=${latest.get(key)}`));
      assert.ok(verifyStateProof(crypto, { root: roots[120]!, key, value, proof }));
    }
  });

  it('still proves old versions, reading them from the store', () => {
    const { tree, commit, roots } = setup(1, 16);
    const keys = Array.from({ length: 50 }, (_, i) => `member/${i}`);
    commit(0, writes(keys, 'old'));
    for (let version = 1; version <= 5; version++) {
      commit(version, writes(keys.slice(0, 10), `v${version}`));
    }
    const { value, proof } = tree.prove(0, 'member/3');
    assert.deepEqual(value, utf8('member/3=old'));
    assert.ok(verifyStateProof(crypto, { root: roots[0]!, key: 'member/3', value, proof }));
    const latest = tree.prove(5, 'member/3');
    assert.deepEqual(latest.value, utf8('member/3=v5'));
    const { value: latestValue, proof: latestProof } = latest;
    assert.ok(
      verifyStateProof(crypto, {
        root: roots[5]!,
        key: 'member/3',
        value: latestValue,
        proof: latestProof,
      }),
    );
  });
});
