/**
 * The vault's storage port: content-addressed ciphertext objects and, per object, one key
 * wrap per reader. Everything is streamed (Web streams, so an S3 client or a PostgreSQL
 * large-object cursor can sit behind it), the address is the SHA-256 of the bytes as they
 * were written, and erasure leaves a tombstone so later reads answer "gone", not "missing".
 * The vault only ever holds ciphertext; it cannot tell one document from another.
 */
import { isHex } from '../../protocol/core/bytes.js';

export interface VaultLimits {
  /** Largest object accepted; a larger upload is abandoned as soon as it passes this. */
  objectSizeBytesMax: number;
  /** Uploads running at once; one more is refused (busy) rather than queued. */
  uploadsConcurrentMax: number;
  /** Largest key wrap; version 1 wraps are 81 bytes. */
  keyWrapBytesMax: number;
}

export const VAULT_LIMITS_DEFAULT: VaultLimits = {
  objectSizeBytesMax: 4 * 1024 * 1024 * 1024,
  uploadsConcurrentMax: 8,
  keyWrapBytesMax: 1024,
};

export type StoredObject =
  | { status: 'stored'; hash: string; sizeBytes: number; created: boolean }
  /** The bytes hash to an erased object: storing them again would undo the erasure. */
  | { status: 'gone'; hash: string };

export type ObjectRead =
  | { status: 'found'; sizeBytes: number; body: ReadableStream<Uint8Array> }
  | { status: 'missing' }
  | { status: 'gone' };

export type KeyWrapWrite = 'stored' | 'missing' | 'gone';

export type KeyWrapRead =
  | { status: 'found'; wrap: Uint8Array }
  | { status: 'missing' }
  | { status: 'gone' };

export type Erasure =
  | { status: 'erased'; objectDestroyed: boolean; keyWrapsDestroyed: number }
  | { status: 'missing' }
  | { status: 'gone' };

export interface KeyWrapAddress {
  /** The object's content hash, 64 lowercase hex digits. */
  hash: string;
  /** The reader's X25519 public key, 64 lowercase hex digits. */
  recipient: string;
}

/**
 * An upload body: a web stream, or any async iterable of bytes, such as the Node request
 * itself, which the routes read directly when they can (src/node/api/vault-routes.ts).
 */
export type UploadBody = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

export interface VaultBackend {
  /** Streams `body` to storage; the address is known only once the last byte is written. */
  putObject(body: UploadBody): Promise<StoredObject>;
  getObject(hash: string): Promise<ObjectRead>;
  /** Stores (or replaces) one reader's wrap; the object must exist and not be erased. */
  putKeyWrap(address: KeyWrapAddress, wrap: Uint8Array): Promise<KeyWrapWrite>;
  getKeyWrap(address: KeyWrapAddress): Promise<KeyWrapRead>;
  /** Destroys every wrap of an object; returns how many there were. */
  deleteKeyWraps(hash: string): Promise<number>;
  /** Tombstone first, then every wrap, then the ciphertext; idempotent after a crash. */
  eraseObject(hash: string): Promise<Erasure>;
}

export type VaultErrorCode = 'too_large' | 'busy';

/** Operational failures of a write; a client can retry `busy` and must shrink `too_large`. */
export class VaultError extends Error {
  override name = 'VaultError';
  readonly code: VaultErrorCode;

  constructor(code: VaultErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** Object hashes and recipient keys are both 32 bytes in lowercase hex. */
export function isVaultAddress(text: string): boolean {
  return isHex(text, 32);
}
