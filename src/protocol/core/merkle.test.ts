/**
 * Merkle tree tests against an oracle written straight from the RFC 6962 / 9162 recursive
 * definitions (MTH, PATH, PROOF), so the fast level-by-level code is checked against the
 * text rather than against itself.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type Bytes, concatBytes, fromHex, toHex, utf8 } from './bytes.js';
import { pureCrypto as crypto } from './crypto.js';
import {
  buildMerkleTree,
  type ConsistencyProof,
  emptyTreeRoot,
  hashLeaf,
  hashLeaves,
  type InclusionProof,
  merkleRoot,
  merkleRootOfLeafHashes,
  verifyConsistency,
  verifyInclusion,
} from './merkle.js';

const sha = (...parts: Bytes[]) => crypto.sha256(concatBytes(...parts));
const ONE = Uint8Array.of(1);

function split(n: number): number {
  let k = 1;
  while (k * 2 < n) {
    k *= 2;
  }
  return k;
}

function oracleRoot(hashes: Bytes[]): Bytes {
  if (hashes.length === 0) {
    return sha();
  }
  if (hashes.length === 1) {
    return hashes[0]!;
  }
  const k = split(hashes.length);
  return sha(ONE, oracleRoot(hashes.slice(0, k)), oracleRoot(hashes.slice(k)));
}

function oraclePath(m: number, hashes: Bytes[]): Bytes[] {
  if (hashes.length <= 1) {
    return [];
  }
  const k = split(hashes.length);
  if (m < k) {
    return [...oraclePath(m, hashes.slice(0, k)), oracleRoot(hashes.slice(k))];
  }
  return [...oraclePath(m - k, hashes.slice(k)), oracleRoot(hashes.slice(0, k))];
}

function oracleSubproof(m: number, hashes: Bytes[], complete: boolean): Bytes[] {
  const n = hashes.length;
  if (m === n) {
    return complete ? [] : [oracleRoot(hashes)];
  }
  const k = split(n);
  if (m <= k) {
    return [...oracleSubproof(m, hashes.slice(0, k), complete), oracleRoot(hashes.slice(k))];
  }
  return [...oracleSubproof(m - k, hashes.slice(k), false), oracleRoot(hashes.slice(0, k))];
}

function leafHashesOf(count: number, salt = 0): Bytes[] {
  const leaves: Bytes[] = [];
  for (let i = 0; i < count; i++) {
    leaves.push(utf8(`leaf ${salt} ${i}`));
  }
  return hashLeaves(crypto, leaves);
}

function flipBit(hex: string, bit: number): string {
  const bytes = fromHex(hex);
  bytes[Math.floor(bit / 8) % bytes.length]! ^= 1 << (bit % 8);
  return toHex(bytes);
}

describe('merkle: hashing', () => {
  it('empty tree root is SHA-256 of the empty string', () => {
    assert.equal(
      toHex(emptyTreeRoot(crypto)),
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    assert.deepEqual(merkleRoot(crypto, []), emptyTreeRoot(crypto));
  });

  it('leaf and node hashes carry the 0x00 and 0x01 prefixes', () => {
    const data = utf8('medchain');
    assert.deepEqual(hashLeaf(crypto, data), sha(Uint8Array.of(0), data));
    assert.deepEqual(hashLeaves(crypto, [data, new Uint8Array(0)]), [
      sha(Uint8Array.of(0), data),
      sha(Uint8Array.of(0)),
    ]);
  });

  it('matches the RFC 6962 reference roots of the certificate-transparency test leaves', () => {
    const leaves = [
      '',
      '00',
      '10',
      '2021',
      '3031',
      '40414243',
      '5051525354555657',
      '606162636465666768696a6b6c6d6e6f',
    ].map(fromHex);
    const roots = [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
      'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
      '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
      '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
      'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
      '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
    ];
    for (let n = 1; n <= leaves.length; n++) {
      assert.equal(toHex(merkleRoot(crypto, leaves.slice(0, n))), roots[n - 1], `size ${n}`);
    }
  });

  it('root, tree root and the recursive definition agree for sizes 0..130', () => {
    const hashes = leafHashesOf(130);
    for (let n = 0; n <= hashes.length; n++) {
      const expected = toHex(oracleRoot(hashes.slice(0, n)));
      assert.equal(toHex(merkleRootOfLeafHashes(crypto, hashes.slice(0, n))), expected);
      assert.equal(toHex(buildMerkleTree(crypto, hashes.slice(0, n)).root()), expected);
    }
  });

  it('does not modify the leaf hashes it is given', () => {
    const hashes = leafHashesOf(9);
    const before = hashes.map(toHex);
    merkleRootOfLeafHashes(crypto, hashes);
    buildMerkleTree(crypto, hashes).inclusionProof(3);
    assert.deepEqual(hashes.map(toHex), before);
  });
});

describe('merkle: inclusion proofs', () => {
  it('match RFC 9162 PATH and verify for every index of every size up to 40', () => {
    const hashes = leafHashesOf(40);
    for (let n = 1; n <= hashes.length; n++) {
      const prefix = hashes.slice(0, n);
      const tree = buildMerkleTree(crypto, prefix);
      const root = tree.root();
      for (let i = 0; i < n; i++) {
        const proof = tree.inclusionProof(i);
        assert.deepEqual(proof.path, oraclePath(i, prefix).map(toHex), `size ${n} index ${i}`);
        assert.ok(verifyInclusion(crypto, { leafHash: prefix[i]!, proof, root }));
      }
    }
  });

  it('fail on any flipped bit, wrong index, wrong size or wrong leaf', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 2, max: 300 })
          .chain((n) => fc.tuple(fc.constant(n), fc.nat({ max: n - 1 }), fc.nat({ max: 1000 }))),
        ([n, index, bit]) => {
          const hashes = leafHashesOf(n, 1);
          const tree = buildMerkleTree(crypto, hashes);
          const root = tree.root();
          const leafHash = hashes[index]!;
          const proof = tree.inclusionProof(index);
          assert.ok(verifyInclusion(crypto, { leafHash, proof, root }));
          const rejects = (p: InclusionProof, leaf = leafHash, r = root) =>
            assert.equal(verifyInclusion(crypto, { leafHash: leaf, proof: p, root: r }), false);
          for (let j = 0; j < proof.path.length; j++) {
            const path = [...proof.path];
            path[j] = flipBit(path[j]!, bit);
            rejects({ ...proof, path });
          }
          rejects(proof, fromHex(flipBit(toHex(leafHash), bit)));
          rejects(proof, leafHash, fromHex(flipBit(toHex(root), bit)));
          rejects({ ...proof, leafIndex: index ^ 1 });
          rejects({ ...proof, treeSize: n * 2 });
          rejects({ ...proof, path: [...proof.path, proof.path[0]!] });
          rejects({ ...proof, path: proof.path.slice(1) });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reject malformed proofs without throwing', () => {
    const hashes = leafHashesOf(5);
    const tree = buildMerkleTree(crypto, hashes);
    const root = tree.root();
    const proof = tree.inclusionProof(2);
    const bad: unknown[] = [
      { ...proof, path: ['zz'] },
      { ...proof, path: [proof.path[0]!.slice(2)] },
      { ...proof, leafIndex: -1 },
      { ...proof, leafIndex: 5 },
      { ...proof, treeSize: 1.5 },
      { ...proof, path: null },
    ];
    for (const item of bad) {
      const check = { leafHash: hashes[2]!, proof: item as InclusionProof, root };
      assert.equal(verifyInclusion(crypto, check), false);
    }
    assert.throws(() => tree.inclusionProof(5));
  });
});

describe('merkle: consistency proofs', () => {
  it('match RFC 9162 PROOF and verify for every pair of sizes up to 40', () => {
    const hashes = leafHashesOf(40, 2);
    for (let n = 1; n <= hashes.length; n++) {
      const tree = buildMerkleTree(crypto, hashes.slice(0, n));
      for (let m = 1; m <= n; m++) {
        const proof = tree.consistencyProof(m);
        const expected = oracleSubproof(m, hashes.slice(0, n), true).map(toHex);
        assert.deepEqual(proof.path, expected, `sizes ${m} ${n}`);
        const firstRoot = merkleRootOfLeafHashes(crypto, hashes.slice(0, m));
        const check = { proof, firstRoot, secondRoot: tree.root() };
        assert.ok(verifyConsistency(crypto, check), `sizes ${m} ${n}`);
      }
    }
  });

  it('hold between random sizes and fail on any flipped bit', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 2, max: 600 })
          .chain((n) =>
            fc.tuple(fc.integer({ min: 1, max: n - 1 }), fc.constant(n), fc.nat({ max: 1000 })),
          ),
        ([m, n, bit]) => {
          const hashes = leafHashesOf(n, 3);
          const tree = buildMerkleTree(crypto, hashes);
          const firstRoot = merkleRootOfLeafHashes(crypto, hashes.slice(0, m));
          const secondRoot = tree.root();
          const proof = tree.consistencyProof(m);
          assert.ok(verifyConsistency(crypto, { proof, firstRoot, secondRoot }));
          const rejects = (p: ConsistencyProof, r1 = firstRoot, r2 = secondRoot) =>
            assert.equal(
              verifyConsistency(crypto, { proof: p, firstRoot: r1, secondRoot: r2 }),
              false,
            );
          for (let j = 0; j < proof.path.length; j++) {
            const path = [...proof.path];
            path[j] = flipBit(path[j]!, bit);
            rejects({ ...proof, path });
          }
          rejects(proof, fromHex(flipBit(toHex(firstRoot), bit)));
          rejects(proof, firstRoot, fromHex(flipBit(toHex(secondRoot), bit)));
          rejects(proof, secondRoot, firstRoot);
          rejects({ ...proof, path: [] });
          rejects({ ...proof, path: proof.path.slice(1) });
          rejects({ ...proof, path: [...proof.path, proof.path[0]!] });
          // Sizes are not mutated: RFC 6962 hashes do not commit to the tree size, so a proof
          // for (1, 5) also verifies as (1, 6) against the same roots. Roots carry the meaning.
        },
      ),
      { numRuns: 150 },
    );
  });

  it('treat equal sizes and the empty tree as the RFC 6962 vectors do', () => {
    const hashes = leafHashesOf(3);
    const root = merkleRootOfLeafHashes(crypto, hashes);
    const empty = emptyTreeRoot(crypto);
    const proof = (firstSize: number, secondSize: number, path: string[] = []) => ({
      firstSize,
      secondSize,
      path,
    });
    assert.ok(verifyConsistency(crypto, { proof: proof(3, 3), firstRoot: root, secondRoot: root }));
    assert.equal(
      verifyConsistency(crypto, {
        proof: proof(3, 3, [toHex(root)]),
        firstRoot: root,
        secondRoot: root,
      }),
      false,
    );
    assert.equal(
      verifyConsistency(crypto, { proof: proof(0, 3), firstRoot: empty, secondRoot: root }),
      false,
    );
    assert.equal(
      verifyConsistency(crypto, { proof: proof(0, 0), firstRoot: empty, secondRoot: empty }),
      false,
    );
    assert.throws(() => buildMerkleTree(crypto, hashes).consistencyProof(0));
    assert.throws(() => buildMerkleTree(crypto, hashes).consistencyProof(4));
  });
});
