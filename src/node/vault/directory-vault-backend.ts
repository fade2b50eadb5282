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
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { assert } from '../../protocol/core/assert.js';
import {
  type AlignedBufferPool,
  directIoPool,
  type FileSink,
  type FileSinkOptions,
  openFileSink,
  writeAll,
} from './file-sink.js';
import { openFileSource } from './file-source.js';
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
  /** Bytes per write (direct I/O needs a multiple of 64 KiB); large writes keep syscalls few. */
  writeBatchBytes?: number;
  /** Bytes per read when serving an object (direct I/O needs a multiple of 64 KiB). */
  readChunkBytes?: number;
  /** Bytes written between background data syncs of an upload through the page cache. */
  syncEveryBytes?: number;
  /**
   * Uploads and downloads bypass the page cache (O_DIRECT) where the filesystem allows; see
   * file-sink.ts. false always goes through the page cache.
   */
  directIo?: boolean;
}

const WRITE_BATCH_BYTES_DEFAULT = 4 * 1024 * 1024;
/**
 * Flushing as the upload goes keeps the disk busy while the network is, instead of leaving
 * a whole object of dirty pages for the final fsync; on this project's VMs writing into a
 * growing heap of dirty pages also costs twice the kernel time per byte.
 */
const SYNC_EVERY_BYTES_DEFAULT = 64 * 1024 * 1024;
const READ_CHUNK_BYTES_DEFAULT = 1024 * 1024;
/** Downloads served with direct reads at once; more are read through the page cache. */
const READS_DIRECT_MAX = 16;

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

export class DirectoryVaultBackend implements VaultBackend {
  private readonly limits: VaultLimits;
  private readonly slots: UploadSlots;
  private readonly sinkOptions: FileSinkOptions;
  private readonly alignedBuffers: AlignedBufferPool | undefined;
  private readonly readChunkBytes: number;
  private readonly readBuffers: AlignedBufferPool | undefined;

  private constructor(
    private readonly root: string,
    options: DirectoryVaultOptions,
  ) {
    this.limits = { ...VAULT_LIMITS_DEFAULT, ...options.limits };
    this.slots = new UploadSlots(this.limits.uploadsConcurrentMax);
    this.sinkOptions = {
      batchBytes: options.writeBatchBytes ?? WRITE_BATCH_BYTES_DEFAULT,
      syncEveryBytes: options.syncEveryBytes ?? SYNC_EVERY_BYTES_DEFAULT,
    };
    const directIo = options.directIo !== false;
    // Two staging buffers per upload slot: one filling while the other is written.
    const uploadBuffers = 2 * this.limits.uploadsConcurrentMax;
    this.alignedBuffers = directIoPool(this.sinkOptions.batchBytes, uploadBuffers, directIo);
    this.readChunkBytes = options.readChunkBytes ?? READ_CHUNK_BYTES_DEFAULT;
    this.readBuffers = directIoPool(this.readChunkBytes, READS_DIRECT_MAX, directIo);
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
      const sink = await openFileSink(tmp, this.sinkOptions, this.alignedBuffers);
      let streamed: { hash: string; sizeBytes: number };
      try {
        streamed = await this.streamToFile(body, sink);
      } finally {
        await sink.close();
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

  /** Hashes and writes as the body arrives; the sink's backpressure paces the reading. */
  private async streamToFile(
    body: UploadBody,
    sink: FileSink,
  ): Promise<{ hash: string; sizeBytes: number }> {
    const hasher = createHash('sha256');
    const sizeBytes = await drainBounded(body, this.limits, (piece) => {
      hasher.update(piece);
      return sink.append(piece);
    });
    const written = await sink.finish();
    assert(
      written === sizeBytes,
      'vault: the file holds a different number of bytes than were sent',
    );
    return { hash: hasher.digest('hex'), sizeBytes };
  }

  async getObject(hash: string): Promise<ObjectRead> {
    checkHash(hash);
    if (await exists(this.tombstonePath(hash))) {
      return { status: 'gone' };
    }
    try {
      const { sizeBytes, body } = await openFileSource(
        this.objectPath(hash),
        this.readChunkBytes,
        this.readBuffers,
      );
      return { status: 'found', sizeBytes, body };
    } catch (error) {
      if (isMissing(error)) {
        return { status: 'missing' };
      }
      throw error;
    }
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
