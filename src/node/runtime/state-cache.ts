/**
 * A bounded write-through cache of committed state values in front of the store. Admission
 * and execution read the same few keys per transaction (chain parameters, the signer's key
 * record and nonce, its organization); without the cache each is a database lookup.
 * Absence is cached too. When full, the oldest entries go first (Map keeps insertion
 * order), so memory stays bounded whatever the size of the state.
 *
 * Given the store's keys, it also keeps a Bloom filter of them (key-filter.ts), so that the
 * reads which prove a new key is new never reach the database.
 */

import { decodeStateValue } from '../../protocol/contracts/engine/block-state.js';
import type { StateReader, WriteSet } from '../../protocol/contracts/engine/types.js';
import type { Bytes } from '../../protocol/core/bytes.js';
import type { JsonValue } from '../../protocol/core/canonical.js';
import { KeyFilter } from './key-filter.js';

/** Every committed state key, visited once; returns how many there were. */
export type StateKeyScan = (visit: (key: string) => void) => number;

/**
 * About 32 MiB of cached values at the ~250 bytes a typical member or record value takes,
 * plus the Map's own overhead: the hot keys (signers, nonces, organizations) fit many times.
 */
const CAPACITY_DEFAULT = 65_536;
/**
 * Decoded copies of the keys read most: every admission and execution reads its signer's
 * key record, organization and nonce, and decoding them each time cost more than the read.
 * Bounded, oldest out first, and cleared of every key a block writes.
 */
const DECODED_CAPACITY = 4_096;

export class StateCache implements StateReader {
  private readonly entries = new Map<string, Bytes | null>();
  private readonly decodedValues = new Map<string, JsonValue>();
  private filter: KeyFilter | undefined;

  constructor(
    private readonly load: (key: string) => Bytes | undefined,
    private readonly capacity = CAPACITY_DEFAULT,
    private readonly scanKeys?: StateKeyScan,
  ) {
    if (scanKeys !== undefined) {
      this.filter = buildFilter(scanKeys, 0);
    }
  }

  get(key: string): Bytes | undefined {
    const cached = this.entries.get(key);
    if (cached !== undefined) {
      return cached ?? undefined;
    }
    if (this.filter !== undefined && !this.filter.mightContain(key)) {
      return undefined;
    }
    const value = this.load(key) ?? null;
    this.remember(key, value);
    return value ?? undefined;
  }

  decoded(key: string): JsonValue | undefined {
    const hit = this.decodedValues.get(key);
    if (hit !== undefined) {
      return hit;
    }
    // Only values already in the byte cache are decoded here: they have been read or
    // written before, so they are likely to be read again.
    const bytes = this.entries.get(key);
    if (bytes === undefined || bytes === null) {
      return undefined;
    }
    const value = decodeStateValue(bytes);
    if (this.decodedValues.size >= DECODED_CAPACITY) {
      this.decodedValues.delete(this.decodedValues.keys().next().value!);
    }
    this.decodedValues.set(key, value);
    return value;
  }

  /**
   * Applies a committed block's writes, so the cache never serves a stale value. Called
   * after the store holds them, so a filter rebuilt here sees every committed key.
   */
  apply(writes: WriteSet): void {
    const filter = this.filter;
    // The written arrays are views into shared arenas; kept for long one by one, each would
    // pin a whole slab of other, dead bytes. The block's values go into one buffer instead.
    let total = 0;
    for (const value of writes.values()) {
      total += value?.length ?? 0;
    }
    const buffer = new Uint8Array(total);
    let offset = 0;
    for (const [key, value] of writes) {
      this.entries.delete(key);
      this.decodedValues.delete(key);
      if (value === null) {
        this.remember(key, null);
        continue;
      }
      buffer.set(value, offset);
      this.remember(key, buffer.subarray(offset, offset + value.length));
      offset += value.length;
      filter?.add(key);
    }
    if (filter?.saturated === true && this.scanKeys !== undefined) {
      this.filter = buildFilter(this.scanKeys, filter.added * 2);
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

/** A filter holding every key the scan visits, sized for at least `expectedKeys`. */
function buildFilter(scanKeys: StateKeyScan, expectedKeys: number): KeyFilter {
  let filter = new KeyFilter(expectedKeys);
  const count = scanKeys((key) => filter.add(key));
  if (filter.saturated) {
    const sized = new KeyFilter(count * 2);
    scanKeys((key) => sized.add(key));
    filter = sized;
  }
  return filter;
}
