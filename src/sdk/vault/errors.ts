/**
 * The one error class the vault's envelope encryption throws. Every way a ciphertext, a key
 * wrap or an argument can be wrong has a stable `code`, so callers (CLI, web UI, tests)
 * branch on the kind of failure, never on the message. Messages never carry key material or
 * document bytes: only positions, sizes and hashes.
 */

export type VaultCryptoErrorCode =
  /** An argument is out of range: a key of the wrong length, a chunk size too large. */
  | 'invalid_argument'
  /** The object does not start with a header this version can read. */
  | 'malformed_header'
  /** A chunk failed authentication: tampered, reordered, from another document, wrong key. */
  | 'chunk_authentication_failed'
  /** The stream ended before its final chunk: truncated at a chunk boundary or inside one. */
  | 'truncated'
  /** Every chunk authenticated, but the SHA-256 of the bytes received is not the expected one. */
  | 'content_hash_mismatch'
  /** HPKE could not open the wrap: wrong recipient key, or a wrap moved to another document. */
  | 'key_unwrap_failed'
  /** A serialized key wrap is not 81 bytes of version 1. */
  | 'malformed_key_wrap';

export class VaultCryptoError extends Error {
  override name = 'VaultCryptoError';
  readonly code: VaultCryptoErrorCode;
  /** The chunk at fault, counted from 0, when the failure is about one chunk. */
  readonly chunkIndex: number | undefined;

  constructor(
    code: VaultCryptoErrorCode,
    message: string,
    options: { chunkIndex?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.chunkIndex = options.chunkIndex;
  }
}
