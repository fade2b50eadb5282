/**
 * The in-memory twin of the vault backend, for tests and the simulator. Same limits, same
 * answers as the directory adapter (the shared suite checks both); objects are kept as the
 * pieces they arrived in, and served back as a stream of those pieces.
 */
import { createHash } from 'node:crypto';
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

interface MemoryObject {
  pieces: Uint8Array[];
  sizeBytes: number;
}

function checkAddress(address: KeyWrapAddress): void {
  assert(isVaultAddress(address.hash), 'vault: object hash must be 64 lowercase hex digits');
  assert(isVaultAddress(address.recipient), 'vault: recipient must be 64 lowercase hex digits');
}

export class MemoryVaultBackend implements VaultBackend {
  private readonly objects = new Map<string, MemoryObject>();
  private readonly keyWraps = new Map<string, Map<string, Uint8Array>>();
  private readonly tombstones = new Set<string>();
  private readonly limits: VaultLimits;
  private readonly slots: UploadSlots;

  constructor(options: { limits?: Partial<VaultLimits> } = {}) {
    this.limits = { ...VAULT_LIMITS_DEFAULT, ...options.limits };
    this.slots = new UploadSlots(this.limits.uploadsConcurrentMax);
  }

  async putObject(body: UploadBody): Promise<StoredObject> {
    const release = this.slots.acquire();
    try {
      const hasher = createHash('sha256');
      const pieces: Uint8Array[] = [];
      const sizeBytes = await drainBounded(body, this.limits, (piece) => {
        hasher.update(piece);
        pieces.push(piece.slice());
      });
      const hash = hasher.digest('hex');
      if (this.tombstones.has(hash)) {
        return { status: 'gone', hash };
      }
      const created = !this.objects.has(hash);
      this.objects.set(hash, { pieces, sizeBytes });
      return { status: 'stored', hash, sizeBytes, created };
    } finally {
      release();
    }
  }

  async getObject(hash: string): Promise<ObjectRead> {
    assert(isVaultAddress(hash), 'vault: object hash must be 64 lowercase hex digits');
    if (this.tombstones.has(hash)) {
      return { status: 'gone' };
    }
    const object = this.objects.get(hash);
    if (object === undefined) {
      return { status: 'missing' };
    }
    let index = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const piece = object.pieces[index];
        index += 1;
        if (piece === undefined) {
          controller.close();
        } else {
          controller.enqueue(piece.slice());
        }
      },
    });
    return { status: 'found', sizeBytes: object.sizeBytes, body };
  }

  async putKeyWrap(address: KeyWrapAddress, wrap: Uint8Array): Promise<KeyWrapWrite> {
    checkAddress(address);
    if (wrap.length > this.limits.keyWrapBytesMax) {
      throw new VaultError('too_large', `key wrap exceeds ${this.limits.keyWrapBytesMax} bytes`);
    }
    if (this.tombstones.has(address.hash)) {
      return 'gone';
    }
    if (!this.objects.has(address.hash)) {
      return 'missing';
    }
    const wraps = this.keyWraps.get(address.hash) ?? new Map<string, Uint8Array>();
    wraps.set(address.recipient, wrap.slice());
    this.keyWraps.set(address.hash, wraps);
    return 'stored';
  }

  async getKeyWrap(address: KeyWrapAddress): Promise<KeyWrapRead> {
    checkAddress(address);
    if (this.tombstones.has(address.hash)) {
      return { status: 'gone' };
    }
    const wrap = this.keyWraps.get(address.hash)?.get(address.recipient);
    return wrap === undefined ? { status: 'missing' } : { status: 'found', wrap: wrap.slice() };
  }

  async deleteKeyWraps(hash: string): Promise<number> {
    assert(isVaultAddress(hash), 'vault: object hash must be 64 lowercase hex digits');
    const count = this.keyWraps.get(hash)?.size ?? 0;
    this.keyWraps.delete(hash);
    return count;
  }

  async eraseObject(hash: string): Promise<Erasure> {
    assert(isVaultAddress(hash), 'vault: object hash must be 64 lowercase hex digits');
    if (this.tombstones.has(hash)) {
      return { status: 'gone' };
    }
    if (!this.objects.has(hash) && !this.keyWraps.has(hash)) {
      return { status: 'missing' };
    }
    this.tombstones.add(hash);
    const keyWrapsDestroyed = await this.deleteKeyWraps(hash);
    const objectDestroyed = this.objects.delete(hash);
    return { status: 'erased', objectDestroyed, keyWrapsDestroyed };
  }
}
