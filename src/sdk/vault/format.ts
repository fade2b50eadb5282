/**
 * The ciphertext object format, version 1 (normative text: docs/spec/vault.md). An object is
 * a 16-byte header followed by one or more chunks; each chunk is its own AES-256-GCM
 * ciphertext under the document key. Nonces follow the STREAM construction: a random
 * per-document prefix, the chunk counter and a last-chunk flag, so a chunk only opens at its
 * own position and only the true final chunk opens as final. The header is every chunk's
 * associated data, so changing the chunk size or prefix breaks every chunk.
 */
import { VaultCryptoError } from './errors.js';

/** "mcv" then the format version; a reader refuses any other first four bytes. */
export const MAGIC = Uint8Array.of(0x6d, 0x63, 0x76, 0x01);
export const HEADER_BYTES = 16;
export const NONCE_PREFIX_BYTES = 7;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
export const DOCUMENT_KEY_BYTES = 32;
export const CHUNK_SIZE_BYTES_DEFAULT = 1024 * 1024;
/** Small chunks are allowed for tests; large ones are capped so a reader's buffer is bounded. */
export const CHUNK_SIZE_BYTES_MIN = 64;
export const CHUNK_SIZE_BYTES_MAX = 16 * 1024 * 1024;
/**
 * Chunks sealed or opened at once, ahead of the consumer: WebCrypto works on worker threads
 * while the calling thread hashes and hands out earlier chunks.
 */
export const CHUNKS_IN_FLIGHT = 3;
/** The counter is 32 bits; 2^32 chunks of 1 MiB is 4 PiB, far past any document. */
export const CHUNK_COUNT_MAX = 2 ** 32;

export interface Header {
  chunkSizeBytes: number;
  noncePrefix: Uint8Array;
  /** The 16 encoded bytes, kept to serve as associated data. */
  bytes: Uint8Array;
}

export function checkChunkSize(chunkSizeBytes: number): void {
  const valid =
    Number.isInteger(chunkSizeBytes) &&
    chunkSizeBytes >= CHUNK_SIZE_BYTES_MIN &&
    chunkSizeBytes <= CHUNK_SIZE_BYTES_MAX;
  if (!valid) {
    throw new VaultCryptoError(
      'invalid_argument',
      `chunk size must be an integer from ${CHUNK_SIZE_BYTES_MIN} to ${CHUNK_SIZE_BYTES_MAX}`,
    );
  }
}

export function encodeHeader(chunkSizeBytes: number, noncePrefix: Uint8Array): Header {
  checkChunkSize(chunkSizeBytes);
  if (noncePrefix.length !== NONCE_PREFIX_BYTES) {
    throw new VaultCryptoError('invalid_argument', `nonce prefix is ${NONCE_PREFIX_BYTES} bytes`);
  }
  const bytes = new Uint8Array(HEADER_BYTES);
  bytes.set(MAGIC, 0);
  new DataView(bytes.buffer).setUint32(4, chunkSizeBytes, false);
  bytes.set(noncePrefix, 8);
  // Byte 15 is reserved and zero; decodeHeader refuses anything else.
  return { chunkSizeBytes, noncePrefix: bytes.slice(8, 15), bytes };
}

export function decodeHeader(bytes: Uint8Array): Header {
  if (bytes.length !== HEADER_BYTES) {
    throw new VaultCryptoError('truncated', 'the object ends inside its header');
  }
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i]) {
      throw new VaultCryptoError('malformed_header', 'not a version 1 vault object');
    }
  }
  if (bytes[15] !== 0) {
    throw new VaultCryptoError('malformed_header', 'reserved header byte is not zero');
  }
  const chunkSizeBytes = new DataView(bytes.buffer, bytes.byteOffset, 8).getUint32(4, false);
  try {
    checkChunkSize(chunkSizeBytes);
  } catch (cause) {
    throw new VaultCryptoError('malformed_header', 'chunk size out of range', { cause });
  }
  return { chunkSizeBytes, noncePrefix: bytes.slice(8, 15), bytes: bytes.slice() };
}

/** prefix (7) ‖ counter (u32 big-endian) ‖ last flag (0x01 on the final chunk, else 0x00). */
export function chunkNonce(
  prefix: Uint8Array,
  index: number,
  last: boolean,
): Uint8Array<ArrayBuffer> {
  if (!Number.isInteger(index) || index < 0 || index >= CHUNK_COUNT_MAX) {
    throw new VaultCryptoError('invalid_argument', 'chunk counter out of range');
  }
  const nonce = new Uint8Array(NONCE_BYTES);
  nonce.set(prefix, 0);
  new DataView(nonce.buffer).setUint32(NONCE_PREFIX_BYTES, index, false);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

/** Ciphertext size for a plaintext size: header, plus one tag per chunk (at least one chunk). */
export function ciphertextSizeBytes(plaintextBytes: number, chunkSizeBytes: number): number {
  const chunks = Math.max(1, Math.ceil(plaintextBytes / chunkSizeBytes));
  return HEADER_BYTES + chunks * TAG_BYTES + plaintextBytes;
}
