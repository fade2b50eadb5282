/**
 * The default vault backend: a directory on the node's disk. Objects live at
 * `objects/ab/cd/<hash>` (two levels of fan-out keep directories small), key wraps at
 * `keys/ab/cd/<hash>/<recipient>`, erasure tombstones at `tombstones/ab/cd/<hash>`.
 * Every file is written under `tmp/`, fsynced, renamed into place and its directory fsynced,
 * so a crash leaves either the whole object or none of it; `open` clears `tmp/` and finishes
 * any erasure a crash interrupted. Uploads stream to disk in batches and are hashed as they
 * are written; nothing is ever held whole in memory.
 */
import { createHash, randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import {
  type FileHandle,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
} from 'node:fs/promises';
import { join } from 'node:path';
import { assert } from '../../protocol/core/assert.js';
import { drainBounded, UploadSlots } from './upload-limits.js';
import {
  type Erasure,
  isVaultAddress,
  type KeyWrapAddress,
  type KeyWrapRead,
  type KeyWrapWrite,
  type ObjectRead,
  type StoredObject,
  type UploadBody,
  VAULT_LIMITS_DEFAULT,
  type VaultBackend,
  VaultError,
  type VaultLimits,
} from './vault-backend.js';

export interface DirectoryVaultOptions {
  /** The vault's root, by default `<nodeDir>/vault`. */
  directory: string;
  limits?: Partial<VaultLimits>;
  /** Bytes gathered before one vectored write; fewer, larger writes keep syscalls cheap. */
  writeBatchBytes?: number;
  /** Bytes per read when serving an object. */
  readChunkBytes?: number;
  /** Bytes written between background data syncs of an upload in progress. */
  syncEveryBytes?: number;
}

const WRITE_BATCH_BYTES_DEFAULT = 4 * 1024 * 1024;
/**
 * Flushing as the upload goes keeps the disk busy while the network is, instead of leaving
 * a whole object of dirty pages for the final fsync; on this project's VMs writing into a
 * growing heap of dirty pages also costs twice the kernel time per byte.
 */
const SYNC_EVERY_BYTES_DEFAULT = 64 * 1024 * 1024;
const READ_CHUNK_BYTES_DEFAULT = 1024 * 1024;

const isMissing = (error: unknown) =>
  error instanceof Error && (error as NodeJS.ErrnoException).code === 'ENOENT';

function checkHash(hash: string): void {
  assert(isVaultAddress(hash), 'vault: object hash must be 64 lowercase hex digits');
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if (isMissing(error)) {
      return false;
    }
    throw error;
  }
}

/** Makes a rename or unlink durable: the directory entry itself must reach the disk. */
async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeAll(handle: FileHandle, pieces: Uint8Array[]): Promise<void> {
  let pending = pieces;
  while (pending.length > 0) {
    const { bytesWritten } = await handle.writev(pending);
    pending = dropBytes(pending, bytesWritten);
  }
}

/** What is left of `pieces` after a short write of `count` bytes. */
function dropBytes(pieces: Uint8Array[], count: number): Uint8Array[] {
  let left = count;
  const out: Uint8Array[] = [];
  for (const piece of pieces) {
    if (left >= piece.length) {
      left -= piece.length;
    } else {
      out.push(left === 0 ? piece : piece.subarray(left));
      left = 0;
    }
  }
  return out;
}

export class DirectoryVaultBackend implements VaultBackend {
  private readonly limits: VaultLimits;
  private readonly slots: UploadSlots;
  private readonly writeBatchBytes: number;
  private readonly readChunkBytes: number;
  private readonly syncEveryBytes: number;

  private constructor(
    private readonly root: string,
    options: DirectoryVaultOptions,
  ) {
    this.limits = { ...VAULT_LIMITS_DEFAULT, ...options.limits };
    this.slots = new UploadSlots(this.limits.uploadsConcurrentMax);
    this.writeBatchBytes = options.writeBatchBytes ?? WRITE_BATCH_BYTES_DEFAULT;
    this.readChunkBytes = options.readChunkBytes ?? READ_CHUNK_BYTES_DEFAULT;
    this.syncEveryBytes = options.syncEveryBytes ?? SYNC_EVERY_BYTES_DEFAULT;
  }

  /** Creates the layout, drops partial uploads a crash left behind, finishes erasures. */
  static async open(options: DirectoryVaultOptions): Promise<DirectoryVaultBackend> {
    const backend = new DirectoryVaultBackend(options.directory, options);
    await rm(backend.tmpDirectory(), { recursive: true, force: true });
    for (const folder of ['objects', 'keys', 'tombstones', 'tmp']) {
      await mkdir(join(options.directory, folder), { recursive: true });
    }
    for (const hash of await backend.tombstonedHashes()) {
      await backend.destroy(hash);
    }
    return backend;
  }

  private tmpDirectory(): string {
    return join(this.root, 'tmp');
  }

  private fanOut(folder: string, hash: string): string {
    return join(this.root, folder, hash.slice(0, 2), hash.slice(2, 4));
  }

  private objectPath(hash: string): string {
    return join(this.fanOut('objects', hash), hash);
  }

  private keysDirectory(hash: string): string {
    return join(this.fanOut('keys', hash), hash);
  }

  private tombstonePath(hash: string): string {
    return join(this.fanOut('tombstones', hash), hash);
  }

  private tmpPath(): string {
    return join(this.tmpDirectory(), `${randomUUID()}.part`);
  }

  /** tmp file → fsync → rename → fsync the directory: all or nothing across a crash. */
  private async commitFile(tmp: string, target: string): Promise<void> {
    const directory = join(target, '..');
    await mkdir(directory, { recursive: true });
    await rename(tmp, target);
    await syncDirectory(directory);
  }

  private async writeSmallFile(target: string, bytes: Uint8Array): Promise<void> {
    const tmp = this.tmpPath();
    const handle = await open(tmp, 'wx');
    try {
      await writeAll(handle, [bytes]);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await this.commitFile(tmp, target);
  }

  async putObject(body: UploadBody): Promise<StoredObject> {
    const release = this.slots.acquire();
    const tmp = this.tmpPath();
    try {
      const handle = await open(tmp, 'wx');
      let streamed: { hash: string; sizeBytes: number };
      try {
        streamed = await this.streamToFile(body, handle);
        await handle.sync();
      } finally {
        await handle.close();
      }
      const { hash, sizeBytes } = streamed;
      if (await exists(this.tombstonePath(hash))) {
        return { status: 'gone', hash };
      }
      const created = !(await exists(this.objectPath(hash)));
      // Two uploads of the same bytes both rename onto the same name: the result is one file.
      await this.commitFile(tmp, this.objectPath(hash));
      return { status: 'stored', hash, sizeBytes, created };
    } finally {
      await rm(tmp, { force: true });
      release();
    }
  }

  /**
   * Hashes and writes as the body arrives. One batch is written while the next is read, so
   * the network and the disk work at the same time; at most two batches are in memory. A
   * data sync runs in the background every syncEveryBytes (one at a time), so the final
   * fsync only has the tail left to flush.
   */
  private async streamToFile(
    body: UploadBody,
    handle: FileHandle,
  ): Promise<{ hash: string; sizeBytes: number }> {
    const hasher = createHash('sha256');
    let batch: Uint8Array[] = [];
    let batchBytes = 0;
    let writing: Promise<void> = Promise.resolve();
    let syncing: Promise<void> = Promise.resolve();
    let unsyncedBytes = 0;
    try {
      const sizeBytes = await drainBounded(body, this.limits, async (piece) => {
        hasher.update(piece);
        batch.push(piece);
        batchBytes += piece.length;
        if (batchBytes >= this.writeBatchBytes) {
          const full = batch;
          unsyncedBytes += batchBytes;
          batch = [];
          batchBytes = 0;
          await writing;
          writing = writeAll(handle, full);
          if (unsyncedBytes >= this.syncEveryBytes) {
            unsyncedBytes = 0;
            await syncing;
            syncing = writing.then(() => handle.datasync());
          }
        }
      });
      await writing;
      await syncing;
      await writeAll(handle, batch);
      return { hash: hasher.digest('hex'), sizeBytes };
    } finally {
      // Never close the file under a write or sync still in flight, even when it failed.
      await writing.catch(() => undefined);
      await syncing.catch(() => undefined);
    }
  }

  async getObject(hash: string): Promise<ObjectRead> {
    checkHash(hash);
    if (await exists(this.tombstonePath(hash))) {
      return { status: 'gone' };
    }
    let handle: FileHandle;
    try {
      handle = await open(this.objectPath(hash), 'r');
    } catch (error) {
      if (isMissing(error)) {
        return { status: 'missing' };
      }
      throw error;
    }
    // The open handle keeps the bytes readable even if an erasure unlinks the file meanwhile.
    const { size } = await handle.stat();
    return { status: 'found', sizeBytes: size, body: fileStream(handle, this.readChunkBytes) };
  }

  async putKeyWrap(address: KeyWrapAddress, wrap: Uint8Array): Promise<KeyWrapWrite> {
    checkHash(address.hash);
    assert(isVaultAddress(address.recipient), 'vault: recipient must be 64 lowercase hex digits');
    if (wrap.length > this.limits.keyWrapBytesMax) {
      throw new VaultError('too_large', `key wrap exceeds ${this.limits.keyWrapBytesMax} bytes`);
    }
    if (await exists(this.tombstonePath(address.hash))) {
      return 'gone';
    }
    if (!(await exists(this.objectPath(address.hash)))) {
      return 'missing';
    }
    await this.writeSmallFile(join(this.keysDirectory(address.hash), address.recipient), wrap);
    return 'stored';
  }

  async getKeyWrap(address: KeyWrapAddress): Promise<KeyWrapRead> {
    checkHash(address.hash);
    assert(isVaultAddress(address.recipient), 'vault: recipient must be 64 lowercase hex digits');
    if (await exists(this.tombstonePath(address.hash))) {
      return { status: 'gone' };
    }
    try {
      const bytes = await readFile(join(this.keysDirectory(address.hash), address.recipient));
      return { status: 'found', wrap: new Uint8Array(bytes) };
    } catch (error) {
      if (isMissing(error)) {
        return { status: 'missing' };
      }
      throw error;
    }
  }

  async deleteKeyWraps(hash: string): Promise<number> {
    checkHash(hash);
    const directory = this.keysDirectory(hash);
    let names: string[];
    try {
      names = await readdir(directory);
    } catch (error) {
      if (isMissing(error)) {
        return 0;
      }
      throw error;
    }
    await rm(directory, { recursive: true, force: true });
    await syncDirectory(join(directory, '..'));
    return names.filter(isVaultAddress).length;
  }

  async eraseObject(hash: string): Promise<Erasure> {
    checkHash(hash);
    if (await exists(this.tombstonePath(hash))) {
      return { status: 'gone' };
    }
    const hasObject = await exists(this.objectPath(hash));
    if (!hasObject && !(await exists(this.keysDirectory(hash)))) {
      return { status: 'missing' };
    }
    // The tombstone goes first: from this moment reads answer gone, even if we crash.
    await this.writeSmallFile(this.tombstonePath(hash), new Uint8Array(0));
    const { keyWrapsDestroyed, objectDestroyed } = await this.destroy(hash);
    return { status: 'erased', objectDestroyed: objectDestroyed && hasObject, keyWrapsDestroyed };
  }

  private async destroy(
    hash: string,
  ): Promise<{ keyWrapsDestroyed: number; objectDestroyed: boolean }> {
    const keyWrapsDestroyed = await this.deleteKeyWraps(hash);
    const path = this.objectPath(hash);
    const objectDestroyed = await exists(path);
    await rm(path, { force: true });
    if (objectDestroyed) {
      await syncDirectory(join(path, '..'));
    }
    return { keyWrapsDestroyed, objectDestroyed };
  }

  private async tombstonedHashes(): Promise<string[]> {
    const out: string[] = [];
    const base = join(this.root, 'tombstones');
    for (const first of await readdir(base)) {
      for (const second of await readdir(join(base, first))) {
        const names = await readdir(join(base, first, second));
        out.push(...names.filter(isVaultAddress));
      }
    }
    return out;
  }
}

/** Serves an open file as a pull stream, one read per pull, closing the handle at the end. */
function fileStream(handle: FileHandle, chunkBytes: number): ReadableStream<Uint8Array> {
  let closed = false;
  const close = async () => {
    if (!closed) {
      closed = true;
      await handle.close();
    }
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const buffer = new Uint8Array(chunkBytes);
        const { bytesRead } = await handle.read(buffer, 0, chunkBytes, null);
        if (bytesRead === 0) {
          await close();
          controller.close();
          return;
        }
        controller.enqueue(bytesRead === chunkBytes ? buffer : buffer.subarray(0, bytesRead));
      } catch (error) {
        await close().catch(() => undefined);
        controller.error(error);
      }
    },
    cancel: close,
  });
}
