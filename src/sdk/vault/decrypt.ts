/**
 * Client-side decryption of one document while it downloads. Every byte received feeds the
 * content hash; every chunk is opened at its own position, so a tampered, reordered, moved or
 * truncated chunk fails as it arrives. The final chunk's plaintext is released only after
 * the whole object's SHA-256 matches the expected content hash: a reader never sees a
 * complete document unless it is exactly the one anchored on chain.
 */
import { bytesEqual, fromHex, isHex } from '../../protocol/core/bytes.js';
import { ByteQueue } from './byte-queue.js';
import { type ChunkCipher, type ChunkCipherFactory, webCryptoChunkCipher } from './chunk-cipher.js';
import type { DocumentKey } from './document-key.js';
import { VaultCryptoError } from './errors.js';
import {
  CHUNKS_IN_FLIGHT,
  chunkNonce,
  decodeHeader,
  HEADER_BYTES,
  type Header,
  TAG_BYTES,
} from './format.js';
import { nobleSha256, type Sha256Hasher, type Sha256HasherFactory } from './hasher.js';
import { type DocumentBinding, type KeyWrap, unwrapDocumentKey } from './key-wrap.js';

export interface DecryptWithKeyOptions {
  documentKey: DocumentKey;
  /** The expected SHA-256 of the ciphertext (lowercase hex), from the record anchor. */
  contentHash: string;
  sha256?: Sha256HasherFactory;
  /** The chunk AEAD; WebCrypto by default, node:crypto's where it is available. */
  cipher?: ChunkCipherFactory;
}

export interface DecryptOptions {
  wrap: KeyWrap;
  binding: DocumentBinding;
  recipientSecretKey: Uint8Array;
  sha256?: Sha256HasherFactory;
  cipher?: ChunkCipherFactory;
}

/** Unwraps the document key for this reader, then decrypts; a wrong key fails here, early. */
export async function decryptDocument(
  ciphertext: ReadableStream<Uint8Array>,
  options: DecryptOptions,
): Promise<ReadableStream<Uint8Array>> {
  const documentKey = await unwrapDocumentKey(options);
  const withKey: DecryptWithKeyOptions = {
    documentKey,
    contentHash: options.binding.contentHash,
  };
  if (options.sha256 !== undefined) {
    withKey.sha256 = options.sha256;
  }
  if (options.cipher !== undefined) {
    withKey.cipher = options.cipher;
  }
  return decryptWithKey(ciphertext, withKey);
}

interface ReadState {
  reader: ReadableStreamDefaultReader<Uint8Array>;
  queue: ByteQueue;
  hasher: Sha256Hasher;
  sourceDone: boolean;
}

/** Reads until `wanted` bytes are queued or the source ends, hashing what arrives. */
async function fill(state: ReadState, wanted: number): Promise<void> {
  while (!state.sourceDone && state.queue.length < wanted) {
    const read = await state.reader.read();
    if (read.done) {
      state.sourceDone = true;
    } else {
      state.hasher.update(read.value);
      state.queue.push(read.value);
    }
  }
}

function openChunk(
  cipher: ChunkCipher,
  header: Header,
  position: { index: number; last: boolean },
  sealed: Uint8Array,
): Promise<Uint8Array | undefined> {
  const nonce = chunkNonce(header.noncePrefix, position.index, position.last);
  return cipher.open(nonce, header.bytes, sealed);
}

async function openMiddle(
  cipher: ChunkCipher,
  header: Header,
  index: number,
  sealed: Uint8Array,
): Promise<Uint8Array> {
  const opened = await openChunk(cipher, header, { index, last: false }, sealed);
  if (opened === undefined) {
    throw new VaultCryptoError('chunk_authentication_failed', 'a chunk failed authentication', {
      chunkIndex: index,
    });
  }
  return opened;
}

/**
 * The stream's end makes the held chunk the final one. If it does not open as final but
 * does as an ordinary chunk, chunks after it were cut off: report truncation, not tampering.
 */
async function openFinal(
  cipher: ChunkCipher,
  header: Header,
  index: number,
  sealed: Uint8Array,
): Promise<Uint8Array> {
  if (sealed.length < TAG_BYTES) {
    throw new VaultCryptoError('truncated', 'the object ends inside a chunk', {
      chunkIndex: index,
    });
  }
  const opened = await openChunk(cipher, header, { index, last: true }, sealed);
  if (opened !== undefined) {
    return opened;
  }
  const asMiddle = await openChunk(cipher, header, { index, last: false }, sealed);
  if (asMiddle !== undefined) {
    throw new VaultCryptoError('truncated', 'the object ends before its final chunk', {
      chunkIndex: index,
    });
  }
  throw new VaultCryptoError('chunk_authentication_failed', 'a chunk failed authentication', {
    chunkIndex: index,
  });
}

/** Decrypts with an already unwrapped key (the owner re-reading, or a grant in progress). */
export function decryptWithKey(
  ciphertext: ReadableStream<Uint8Array>,
  options: DecryptWithKeyOptions,
): ReadableStream<Uint8Array> {
  if (!isHex(options.contentHash, 32)) {
    throw new VaultCryptoError('invalid_argument', 'content hash must be 64 lowercase hex digits');
  }
  const expected = fromHex(options.contentHash);
  const state: ReadState = {
    reader: ciphertext.getReader(),
    queue: new ByteQueue(),
    hasher: (options.sha256 ?? nobleSha256)(),
    sourceDone: false,
  };
  let header: Header | undefined;
  let cipher: ChunkCipher | undefined;
  let index = 0;
  // Chunks being opened ahead of the consumer, in order; the final one is marked.
  const inFlight: { opened: Promise<Uint8Array>; last: boolean }[] = [];

  const topUp = async (): Promise<void> => {
    if (header === undefined || cipher === undefined) {
      await fill(state, HEADER_BYTES);
      header = decodeHeader(state.queue.take(Math.min(HEADER_BYTES, state.queue.length)));
      cipher = await (options.cipher ?? webCryptoChunkCipher)(options.documentKey);
    }
    const sealedBytes = header.chunkSizeBytes + TAG_BYTES;
    while (inFlight.at(-1)?.last !== true && inFlight.length < CHUNKS_IN_FLIGHT) {
      // One byte past a chunk tells whether it is the last one.
      await fill(state, sealedBytes + 1);
      const last = state.queue.length <= sealedBytes;
      const sealed = state.queue.take(last ? state.queue.length : sealedBytes);
      const opened = last
        ? openFinal(cipher, header, index, sealed)
        : openMiddle(cipher, header, index, sealed);
      opened.catch(() => undefined);
      inFlight.push({ opened, last });
      index += 1;
    }
  };

  const step = async (controller: ReadableStreamDefaultController<Uint8Array>) => {
    await topUp();
    const head = inFlight.shift()!;
    const opened = await head.opened;
    if (!head.last) {
      controller.enqueue(opened);
      return;
    }
    // The source has ended, so the hash covers every byte received.
    if (!bytesEqual(state.hasher.digest(), expected)) {
      throw new VaultCryptoError('content_hash_mismatch', 'the object is not the anchored one');
    }
    controller.enqueue(opened);
    controller.close();
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        await step(controller);
      } catch (error) {
        controller.error(error);
        await state.reader.cancel(error).catch(() => undefined);
      }
    },
    async cancel(reason) {
      await state.reader.cancel(reason);
    },
  });
}
