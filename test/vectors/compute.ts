/**
 * Computes medchain's golden vectors from fixed inputs. The generator writes the result to
 * test/vectors/*.json and vectors.test.ts recomputes it: any change to an encoding, a hash
 * or a domain tag shows up as a diff in a reviewed file instead of a silent fork.
 */
import { type Bytes, fromHex, toHex, utf8 } from '../../src/protocol/core/bytes.js';
import type { Crypto, Signer } from '../../src/protocol/core/crypto.js';
import {
  buildMerkleTree,
  hashLeaves,
  merkleRootOfLeafHashes,
} from '../../src/protocol/core/merkle.js';
import { type BlockHeader, blockHash } from '../../src/protocol/ledger/block.js';
import {
  signingBytes,
  signTransaction,
  transactionHash,
  transactionLeaf,
  type UnsignedTransaction,
} from '../../src/protocol/ledger/transaction.js';

export const VECTOR_FILES = ['transaction', 'block', 'merkle'] as const;
export type VectorFile = (typeof VECTOR_FILES)[number];

/** Seed bytes 0x00..0x1f: fixed, and obviously not a real key. */
export const VECTOR_SEED = Uint8Array.from({ length: 32 }, (_, i) => i);

function unsignedTransaction(signer: Signer): UnsignedTransaction {
  return {
    chainId: 'medchain-vectors',
    signer: toHex(signer.publicKey),
    nonce: 7,
    module: 'identity',
    action: 'registerMember',
    args: {
      name: 'Clinic Ünïcode €',
      roles: ['provider', 'auditor'],
      npi: 1234567890,
      active: true,
      parent: null,
    },
    expiresAt: 1000,
  };
}

function transactionVector(crypto: Crypto, signer: Signer) {
  const unsigned = unsignedTransaction(signer);
  const signed = signTransaction(signer, unsigned);
  const hash = transactionHash(crypto, unsigned);
  return {
    description: 'A transaction signed with the seed 000102...1f (RFC 8032 key from seed)',
    seed: toHex(VECTOR_SEED),
    transaction: signed,
    signingBytes: toHex(signingBytes(unsigned)),
    hash,
    signature: signed.signature,
    merkleLeaf: toHex(transactionLeaf(hash, signed.signature)),
  };
}

function blockVector(crypto: Crypto, signer: Signer) {
  const transaction = transactionVector(crypto, signer);
  const leaves = [fromHex(transaction.merkleLeaf)];
  const header: BlockHeader = {
    chainId: 'medchain-vectors',
    height: 42,
    time: 1_700_000_000_000,
    previousHash: toHex(crypto.sha256(utf8('previous'))),
    transactionsRoot: toHex(merkleRootOfLeafHashes(crypto, hashLeaves(crypto, leaves))),
    resultsRoot: toHex(crypto.sha256(utf8('results'))),
    stateRoot: toHex(crypto.sha256(utf8('state'))),
    transactionCount: 1,
    proposer: toHex(signer.publicKey),
  };
  return {
    description: 'A block header over the vector transaction; hash = SHA-256(tag ‖ JCS(header))',
    header,
    hash: blockHash(crypto, header),
  };
}

function merkleVector(crypto: Crypto) {
  const leaves: Bytes[] = [];
  for (let i = 0; i < 17; i++) {
    leaves.push(utf8(`leaf ${i}`));
  }
  const hashes = hashLeaves(crypto, leaves);
  const sizes = [0, 1, 2, 3, 4, 5, 7, 8, 9, 16, 17];
  const roots = sizes.map((size) => ({
    size,
    root: toHex(merkleRootOfLeafHashes(crypto, hashes.slice(0, size))),
  }));
  const tree = buildMerkleTree(crypto, hashes);
  return {
    description: 'RFC 6962 roots over the UTF-8 leaves "leaf 0" .. "leaf 16"',
    leaves: leaves.map(toHex),
    roots,
    inclusion: { leafHash: toHex(hashes[5]!), proof: tree.inclusionProof(5) },
    consistency: tree.consistencyProof(5),
  };
}

export function computeVectors(crypto: Crypto, signer: Signer): Record<VectorFile, unknown> {
  return {
    transaction: transactionVector(crypto, signer),
    block: blockVector(crypto, signer),
    merkle: merkleVector(crypto),
  };
}

/** Two-space JSON with a final newline, the form the files are committed in. */
export function formatVector(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
