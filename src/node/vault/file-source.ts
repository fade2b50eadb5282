/**
 * Serves a stored object as a pull stream: the vault's download path.
 *
 * Reads bypass the page cache (O_DIRECT) into a page-aligned buffer from the pool where the
 * filesystem allows it, for the same reason uploads do (file-sink.ts): an object read once
 * through the page cache costs the node about 0.65 s of kernel time per GB growing the cache
 * into untouched memory, time the downloading client on the same machine needs. Each chunk
 * is copied out of the aligned buffer, since the consumer keeps what it is given.
 */
import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { assert } from '../../protocol/core/assert.js';
import { type AlignedBufferPool, isInvalid } from './file-sink.js';

export interface OpenedFile {
  sizeBytes: number;
  body: ReadableStream<Uint8Array>;
}

/**
 * Opens `path` for one sequential read; throws what open throws (ENOENT for a missing file).
 * The open handle keeps the bytes readable even if the file is unlinked meanwhile.
 */
export async function openFileSource(
  path: string,
  chunkBytes: number,
  pool: AlignedBufferPool | undefined,
): Promise<OpenedFile> {
  const direct = constants.O_DIRECT;
  assert(pool === undefined || pool.bufferBytes === chunkBytes, 'file source: pool buffer size');
  const buffer = direct === undefined ? undefined : pool?.acquire();
  if (pool !== undefined && direct !== undefined && buffer !== undefined) {
    try {
      const handle = await open(path, constants.O_RDONLY | direct);
      const sizeBytes = await sizeOrClose(handle);
      return { sizeBytes, body: fileStream(handle, chunkBytes, buffer, pool) };
    } catch (error) {
      pool.release(buffer);
      if (!isInvalid(error)) {
        throw error;
      }
    }
  }
  const handle = await open(path, 'r');
  return { sizeBytes: await sizeOrClose(handle), body: fileStream(handle, chunkBytes) };
}

async function sizeOrClose(handle: FileHandle): Promise<number> {
  try {
    return (await handle.stat()).size;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/**
 * One read per pull, closing the handle at the end. With `aligned` the reads go into it and
 * are copied out; if the kernel refuses a direct read after all, the rest is read buffered.
 */
function fileStream(
  handle: FileHandle,
  chunkBytes: number,
  aligned?: Uint8Array,
  pool?: AlignedBufferPool,
): ReadableStream<Uint8Array> {
  let closed = false;
  let position = 0;
  let alignedBuffer = aligned;
  const releaseAligned = () => {
    if (alignedBuffer !== undefined) {
      pool?.release(alignedBuffer);
      alignedBuffer = undefined;
    }
  };
  let reader = handle;
  let fallback: FileHandle | undefined;
  const close = async () => {
    if (!closed) {
      closed = true;
      releaseAligned();
      await fallback?.close();
      await handle.close();
    }
  };
  const readChunk = async (): Promise<Uint8Array> => {
    if (alignedBuffer !== undefined) {
      try {
        const { bytesRead } = await reader.read(alignedBuffer, 0, chunkBytes, position);
        return alignedBuffer.slice(0, bytesRead);
      } catch (error) {
        if (!isInvalid(error)) {
          throw error;
        }
        releaseAligned();
        // O_DIRECT exists only on Linux, where /proc reopens even an unlinked file.
        fallback = await open(`/proc/self/fd/${handle.fd}`, 'r');
        reader = fallback;
      }
    }
    const buffer = new Uint8Array(chunkBytes);
    const { bytesRead } = await reader.read(buffer, 0, chunkBytes, position);
    return bytesRead === chunkBytes ? buffer : buffer.subarray(0, bytesRead);
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const chunk = await readChunk();
        if (chunk.length === 0) {
          await close();
          controller.close();
          return;
        }
        position += chunk.length;
        controller.enqueue(chunk);
      } catch (error) {
        await close().catch(() => undefined);
        controller.error(error);
      }
    },
    cancel: close,
  });
}
