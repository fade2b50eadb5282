/**
 * Client-side encryption of one document: plaintext stream in, ciphertext stream out, in
 * fixed-size chunks so memory stays at a few chunks whatever the document's size. The
 * content hash (what goes on chain) is computed over the ciphertext as it is produced, and
 * the key wraps are made once it is known, because each wrap is bound to that hash.
 */
import { toHex } from '../../protocol/core/bytes.js';
import { ByteQueue } from './byte-queue.js';
import { type ChunkCipher, type ChunkCipherFactory, webCryptoChunkCipher } from './chunk-cipher.js';
import { DocumentKey } from './document-key.js';
import { VaultCryptoError } from './errors.js';
import {
  CHUNK_COUNT_MAX,
  CHUNK_SIZE_BYTES_DEFAULT,
  CHUNKS_IN_FLIGHT,
  chunkNonce,
  encodeHeader,
  type Header,
  NONCE_PREFIX_BYTES,
} from './format.js';
import { nobleSha256, type Sha256HasherFactory } from './hasher.js';
import { type KeyWrap, wrapKeyFor, X25519_KEY_BYTES } from './key-wrap.js';

export interface EncryptOptions {
  recordId: string;
  version: number;
  /** X25519 public keys of the first readers (usually the patient and the author). */
  recipients: Uint8Array[];
  /** Plaintext bytes per chunk; 1 MiB unless a test wants many small chunks. */
  chunkSizeBytes?: number;
  /** Incremental SHA-256; noble by default, node:crypto where it is available. */
  sha256?: Sha256HasherFactory;
  /** The chunk AEAD; WebCrypto by default, node:crypto's where it is available. */
  cipher?: ChunkCipherFactory;
}

export interface EncryptionResult {
  /** SHA-256 of the whole ciphertext object, lowercase hex: the on-chain content hash. */
  contentHash: string;
  /** Ciphertext bytes, header included. */
  sizeBytes: number;
  plaintextSizeBytes: number;
  wraps: KeyWrap[];
  /** Kept by the caller only as long as it needs to wrap for more readers. */
  documentKey: DocumentKey;
}

export interface EncryptedDocument {
  ciphertext: ReadableStream<Uint8Array>;
  /** Settles once `ciphertext` has been read to its end (or failed); read the stream first. */
  completion: Promise<EncryptionResult>;
}

interface Progress {
  index: number;
  sizeBytes: number;
  plaintextSizeBytes: number;
  sourceDone: boolean;
}

export function sealChunk(
  cipher: ChunkCipher,
  header: Header,
  position: { index: number; last: boolean },
  plaintext: Uint8Array,
): Promise<Uint8Array> {
  const nonce = chunkNonce(header.noncePrefix, position.index, position.last);
  return cipher.seal(nonce, header.bytes, plaintext);
}

/** Encrypts `plaintext` under a fresh document key and wraps that key for each recipient. */
export async function encryptDocument(
  plaintext: ReadableStream<Uint8Array>,
  options: EncryptOptions,
): Promise<EncryptedDocument> {
  for (const recipient of options.recipients) {
    if (recipient.length !== X25519_KEY_BYTES) {
      throw new VaultCryptoError('invalid_argument', 'a recipient public key is 32 bytes');
    }
  }
  const documentKey = DocumentKey.generate();
  const prefix = new Uint8Array(NONCE_PREFIX_BYTES);
  globalThis.crypto.getRandomValues(prefix);
  const header = encodeHeader(options.chunkSizeBytes ?? CHUNK_SIZE_BYTES_DEFAULT, prefix);
  const cipher = await (options.cipher ?? webCryptoChunkCipher)(documentKey);
  const hasher = (options.sha256 ?? nobleSha256)();
  const reader = plaintext.getReader();
  const queue = new ByteQueue();
  const progress: Progress = { index: 0, sizeBytes: 0, plaintextSizeBytes: 0, sourceDone: false };
  const { promise: completion, settle } = deferred<EncryptionResult>();

  const finish = async (): Promise<void> => {
    const contentHash = toHex(hasher.digest());
    const binding = { recordId: options.recordId, version: options.version, contentHash };
    const wraps = await Promise.all(
      options.recipients.map((recipient) => wrapKeyFor({ documentKey, binding, recipient })),
    );
    const { sizeBytes, plaintextSizeBytes } = progress;
    settle.resolve({ contentHash, sizeBytes, plaintextSizeBytes, wraps, documentKey });
  };

  const emit = (controller: ReadableStreamDefaultController<Uint8Array>, bytes: Uint8Array) => {
    hasher.update(bytes);
    progress.sizeBytes += bytes.length;
    controller.enqueue(bytes);
  };

  // Chunks sealed ahead of the consumer, in order: WebCrypto encrypts on worker threads while
  // this thread hashes and hands out the previous ones.
  const inFlight: { sealed: Promise<Uint8Array>; last: boolean }[] = [];
  const topUp = async (): Promise<void> => {
    while (inFlight.at(-1)?.last !== true && inFlight.length < CHUNKS_IN_FLIGHT) {
      const last = await fillChunk(reader, queue, header.chunkSizeBytes, progress);
      const chunk = queue.take(last ? queue.length : header.chunkSizeBytes);
      progress.plaintextSizeBytes += chunk.length;
      const sealed = sealChunk(cipher, header, { index: progress.index, last }, chunk);
      sealed.catch(() => undefined);
      inFlight.push({ sealed, last });
      progress.index += 1;
    }
  };

  const ciphertext = new ReadableStream<Uint8Array>({
    start(controller) {
      emit(controller, header.bytes.slice());
    },
    async pull(controller) {
      try {
        await topUp();
        const head = inFlight.shift()!;
        emit(controller, await head.sealed);
        if (head.last) {
          controller.close();
          await finish();
        }
      } catch (error) {
        controller.error(error);
        settle.reject(error);
        await reader.cancel(error).catch(() => undefined);
      }
    },
    async cancel(reason) {
      settle.reject(reason ?? new Error('ciphertext stream cancelled'));
      await reader.cancel(reason);
    },
  });
  return { ciphertext, completion };
}

function deferred<T>(): {
  promise: Promise<T>;
  settle: { resolve: (value: T) => void; reject: (error: unknown) => void };
} {
  let settle!: { resolve: (value: T) => void; reject: (error: unknown) => void };
  const promise = new Promise<T>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // A caller that cancels and never awaits completion must not crash the process.
  promise.catch(() => undefined);
  return { promise, settle };
}

/**
 * Reads until more than one chunk is queued or the source ends. Whether the chunk about to
 * be sealed is the last one is only known by looking one byte past it, which is why the
 * queue holds up to a chunk plus one read.
 */
async function fillChunk(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  queue: ByteQueue,
  chunkSizeBytes: number,
  progress: Progress,
): Promise<boolean> {
  while (!progress.sourceDone && queue.length <= chunkSizeBytes) {
    const read = await reader.read();
    if (read.done) {
      progress.sourceDone = true;
    } else {
      queue.push(read.value);
    }
  }
  if (progress.index >= CHUNK_COUNT_MAX - 1 && queue.length > chunkSizeBytes) {
    throw new VaultCryptoError('invalid_argument', 'document exceeds 2^32 chunks');
  }
  return progress.sourceDone && queue.length <= chunkSizeBytes;
}
