/**
 * The AES-256-GCM that seals and opens one chunk, as an injected port like the hasher. The
 * default is WebCrypto, which runs in every browser; in Node, WebCrypto copies every chunk
 * in and out of its job (about 250 MB/s for sealing here), so Node callers inject the
 * node:crypto cipher (src/node/vault/node-vault-crypto.ts), which works on the caller's
 * buffers. Both produce the same bytes: the format does not depend on the choice.
 */
import type { DocumentKey } from './document-key.js';

export interface ChunkCipher {
  /** AES-256-GCM with a 16-byte tag: returns ciphertext ‖ tag. */
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array>;
  /** The plaintext, or undefined when the chunk does not authenticate. */
  open(nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Promise<Uint8Array | undefined>;
}

export type ChunkCipherFactory = (key: DocumentKey) => Promise<ChunkCipher>;

export const webCryptoChunkCipher: ChunkCipherFactory = async (documentKey) => {
  const key = await documentKey.cryptoKey();
  const params = (nonce: Uint8Array, aad: Uint8Array): AesGcmParams => ({
    name: 'AES-GCM',
    iv: nonce as Uint8Array<ArrayBuffer>,
    additionalData: aad as Uint8Array<ArrayBuffer>,
    tagLength: 128,
  });
  return {
    async seal(nonce, aad, plaintext) {
      const sealed = await globalThis.crypto.subtle.encrypt(
        params(nonce, aad),
        key,
        plaintext as Uint8Array<ArrayBuffer>,
      );
      return new Uint8Array(sealed);
    },
    async open(nonce, aad, sealed) {
      try {
        const opened = await globalThis.crypto.subtle.decrypt(
          params(nonce, aad),
          key,
          sealed as Uint8Array<ArrayBuffer>,
        );
        return new Uint8Array(opened);
      } catch {
        return undefined;
      }
    },
  };
};
