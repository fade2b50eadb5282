/**
 * The physical limit on this machine: Ed25519 verifications per second on one core, with
 * node:crypto (OpenSSL) and with libsodium (the node's default). Every medchain transaction
 * needs one verification at admission, so one core's rate bounds a single-threaded node.
 */
import { performance } from 'node:perf_hooks';
import { nodeCrypto, sodiumCrypto, sodiumSigner } from '../src/node/crypto/index.js';
import type { Crypto } from '../src/protocol/core/crypto.js';

export interface SignatureLimit {
  implementation: string;
  verificationsPerSecond: number;
}

function rate(crypto: Crypto, seconds: number): number {
  const samples = Array.from({ length: 256 }, (_, i) => {
    const signer = sodiumSigner(new Uint8Array(32).fill(i + 1));
    const message = new Uint8Array(300).fill(i);
    return { signature: signer.sign(message), message, publicKey: signer.publicKey };
  });
  let count = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    for (let i = 0; i < 64; i++) {
      const sample = samples[count++ % samples.length]!;
      if (!crypto.verifyEd25519(sample.signature, sample.message, sample.publicKey)) {
        throw new Error(`${crypto.name}: a valid signature did not verify`);
      }
    }
  }
  return (count * 1000) / (performance.now() - started);
}

export function signatureLimits(seconds: number): SignatureLimit[] {
  return [nodeCrypto, sodiumCrypto].map((crypto) => ({
    implementation: crypto.name === 'node' ? 'node:crypto (OpenSSL)' : 'libsodium (sodium-native)',
    verificationsPerSecond: rate(crypto, seconds),
  }));
}
