/**
 * Envelope encryption for the vault: documents are encrypted here, on the client, in chunks;
 * the document key is wrapped for each reader with HPKE. The vault only ever sees ciphertext.
 * Format: docs/spec/vault.md. Decisions: docs/adr/0005-envelope-encryption.md.
 */

export type { ChunkCipher, ChunkCipherFactory } from './chunk-cipher.js';
export { webCryptoChunkCipher } from './chunk-cipher.js';
export type { DecryptOptions, DecryptWithKeyOptions } from './decrypt.js';
export { decryptDocument, decryptWithKey } from './decrypt.js';
export { DocumentKey } from './document-key.js';
export type { EncryptedDocument, EncryptionResult, EncryptOptions } from './encrypt.js';
export { encryptDocument } from './encrypt.js';
export type { VaultCryptoErrorCode } from './errors.js';
export { VaultCryptoError } from './errors.js';
export {
  CHUNK_SIZE_BYTES_DEFAULT,
  CHUNK_SIZE_BYTES_MAX,
  CHUNK_SIZE_BYTES_MIN,
  ciphertextSizeBytes,
  HEADER_BYTES,
} from './format.js';
export type { Sha256Hasher, Sha256HasherFactory } from './hasher.js';
export { nobleSha256 } from './hasher.js';
export type { DocumentBinding, KeyWrap, UnwrapKeyParams, WrapKeyParams } from './key-wrap.js';
export {
  decodeKeyWrap,
  ESCROW_DECLINED,
  encodeKeyWrap,
  isEscrowDeclined,
  KEY_WRAP_BYTES,
  unwrapDocumentKey,
  wrapKeyFor,
} from './key-wrap.js';
