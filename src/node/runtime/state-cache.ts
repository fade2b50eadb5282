/**
 * A bounded write-through cache of committed state values in front of the store. Admission
 * and execution read the same few keys per transaction (chain parameters, the signer's key
 * record and nonce, its organization); without the cache each is a database lookup.
 * Absence is cached too. When full, the oldest entries go first (Map keeps insertion
 * order), so memory stays bounded whatever the size of the state.
 */
import type { StateReader, WriteSet } from '../../protocol/contracts/engine/types.js';
import type { Bytes } from '../../protocol/core/bytes.js';

export class StateCache implements StateReader {
  private readonly entries = new Map<string, Bytes | null>();

  constructor(
    private readonly load: (key: string) => Bytes | undefined,
    private readonly capacity = 200_000,
  ) {}

  get(key: string): Bytes | undefined {
    const cached = this.entries.get(key);
    if (cached !== undefined) {
      return cached ?? undefined;
    }
    const value = this.load(key) ?? null;
    this.remember(key, value);
    return value ?? undefined;
  }

  /** Applies a committed block's writes, so the cache never serves a stale value. */
  apply(writes: WriteSet): void {
    for (const [key, value] of writes) {
      this.entries.delete(key);
      this.remember(key, value);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  private remember(key: string, value: Bytes | null): void {
    if (this.entries.size >= this.capacity) {
      const evict = Math.max(1, this.capacity >> 4);
      let removed = 0;
      for (const oldest of this.entries.keys()) {
        this.entries.delete(oldest);
        if (++removed >= evict) {
          break;
        }
      }
    }
    this.entries.set(key, value);
  }
}
