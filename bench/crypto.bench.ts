/**
 * Measures Ed25519 verifications and SHA-256 hashes per second for each Crypto, and the
 * Merkle root of a 10,000-transaction block. Numbers feed
 * docs/adr/0001-ed25519-verification-path.md. Run: node --import tsx bench/crypto.bench.ts
 */
import { availableParallelism, cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { CRYPTO_NAMES, cryptoByName, signerByName } from '../src/node/crypto/select-crypto.js';
import type { Crypto, Signer } from '../src/protocol/core/crypto.js';
import { hashLeaves, merkleRootOfLeafHashes } from '../src/protocol/core/merkle.js';

const KEYS = 64;
const MESSAGE_BYTES = 300;
const BLOCK_TRANSACTIONS = 10_000;
const LEAF_BYTES = 96;

interface Sample {
  signature: Uint8Array;
  message: Uint8Array;
  publicKey: Uint8Array;
}

function samples(signers: Signer[]): Sample[] {
  const out: Sample[] = [];
  for (let i = 0; i < 1024; i++) {
    const signer = signers[i % signers.length]!;
    const message = new Uint8Array(MESSAGE_BYTES).fill(i & 255);
    message[0] = i >> 8;
    out.push({ signature: signer.sign(message), message, publicKey: signer.publicKey });
  }
  return out;
}

/** Runs `step` for about `durationMs` and returns operations per second. */
function rate(durationMs: number, step: (i: number) => void): number {
  for (let i = 0; i < 200; i++) {
    step(i);
  }
  let count = 0;
  const start = performance.now();
  while (performance.now() - start < durationMs) {
    for (let i = 0; i < 100; i++) {
      step(count++);
    }
  }
  return (count * 1000) / (performance.now() - start);
}

function benchCrypto(crypto: Crypto, data: Sample[]): Record<string, number> {
  const verify = rate(1500, (i) => {
    const sample = data[i % data.length]!;
    if (!crypto.verifyEd25519(sample.signature, sample.message, sample.publicKey)) {
      throw new Error(`${crypto.name}: a valid signature failed to verify`);
    }
  });
  const hash = rate(500, (i) => crypto.sha256(data[i % data.length]!.message));
  const leaves: Uint8Array[] = [];
  for (let i = 0; i < BLOCK_TRANSACTIONS; i++) {
    leaves.push(new Uint8Array(LEAF_BYTES).fill(i & 255));
  }
  const merkle = rate(1500, () => merkleRootOfLeafHashes(crypto, hashLeaves(crypto, leaves)));
  return { verify, hash, merkle };
}

function main(): void {
  const seeds = Array.from({ length: KEYS }, (_, i) => new Uint8Array(32).fill(i + 1));
  const signers = seeds.map((seed) => signerByName('sodium', seed));
  const data = samples(signers);
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  console.log(`node ${process.version}, ${availableParallelism()} cores, ${cpu}`);
  console.log('implementation  verify/s  sha256(300 B)/s  merkle root of 10,000 leaves/s');
  for (const name of CRYPTO_NAMES) {
    const result = benchCrypto(cryptoByName(name), data);
    const cells = [
      name.padEnd(14),
      Math.round(result.verify!).toString().padStart(9),
      Math.round(result.hash!).toString().padStart(16),
      result.merkle!.toFixed(1).padStart(31),
    ];
    console.log(cells.join('  '));
  }
}

main();
