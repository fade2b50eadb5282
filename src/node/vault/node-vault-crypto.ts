/**
 * The SDK vault's crypto ports over node:crypto (OpenSSL): SHA-256 and the chunk cipher.
 * The SDK defaults to noble's hasher and WebCrypto so it runs in browsers; in Node these are
 * several times faster (WebCrypto copies each chunk into and out of a job, noble hashes in
 * JavaScript) and produce the same bytes. Pass them as `sha256` and `cipher`.
 */
import { createCipheriv, createDecipheriv, createHash, createSecretKey } from 'node:crypto';
import type { ChunkCipherFactory } from '../../sdk/vault/chunk-cipher.js';
import { TAG_BYTES } from '../../sdk/vault/format.js';
import type { Sha256HasherFactory } from '../../sdk/vault/hasher.js';

export const nodeSha256: Sha256HasherFactory = () => {
  const hash = createHash('sha256');
  return { update: (bytes) => hash.update(bytes), digest: () => new Uint8Array(hash.digest()) };
};

/**
 * Seals and opens on the calling thread: for 1 MiB chunks OpenSSL's AES-GCM takes well under
 * a millisecond, less than handing the chunk to a worker would cost.
 */
export const nodeChunkCipher: ChunkCipherFactory = async (documentKey) => {
  const raw = documentKey.exportBytes();
  const key = createSecretKey(raw);
  raw.fill(0);
  return {
    async seal(nonce, aad, plaintext) {
      const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
      cipher.setAAD(aad);
      const sealed = Buffer.allocUnsafe(plaintext.length + TAG_BYTES);
      const body = cipher.update(plaintext);
      sealed.set(body, 0);
      const rest = cipher.final();
      sealed.set(rest, body.length);
      sealed.set(cipher.getAuthTag(), body.length + rest.length);
      return sealed;
    },
    async open(nonce, aad, sealed) {
      if (sealed.length < TAG_BYTES) {
        return undefined;
      }
      const bodyLength = sealed.length - TAG_BYTES;
      const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
      decipher.setAAD(aad);
      decipher.setAuthTag(sealed.subarray(bodyLength));
      const opened = decipher.update(sealed.subarray(0, bodyLength));
      try {
        const rest = decipher.final();
        return rest.length === 0 ? opened : Buffer.concat([opened, rest]);
      } catch {
        return undefined;
      }
    },
  };
};
