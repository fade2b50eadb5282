/**
 * The incremental SHA-256 the content hash needs. WebCrypto has no streaming digest, so the
 * default is noble's pure-JavaScript hasher, which runs in every browser. It is the slowest
 * stage of the pipeline (about 140 MB/s here against over 1 GB/s for AES-GCM), so the port is
 * injectable: a Node caller passes node:crypto's native hasher and keeps the same format.
 */
import { sha256 } from '@noble/hashes/sha2.js';

export interface Sha256Hasher {
  update(bytes: Uint8Array): void;
  /** The 32-byte digest; the hasher is not used again afterwards. */
  digest(): Uint8Array;
}

export type Sha256HasherFactory = () => Sha256Hasher;

export const nobleSha256: Sha256HasherFactory = () => {
  const state = sha256.create();
  return {
    update: (bytes) => {
      state.update(bytes);
    },
    digest: () => state.digest(),
  };
};
