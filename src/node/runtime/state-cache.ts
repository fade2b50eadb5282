/**
 * A bounded cache of committed state values in front of the state tree, filled by reads.
 * Admission and execution read the same few keys per transaction (chain parameters, the
 * signer's key record and nonce, its organization); without the cache each is a walk down
 * the tree. Absence is cached too. When full, the oldest entries go first (Map keeps
 * insertion order), so memory stays bounded whatever the size of the state.
 *
 * It also keeps a Bloom filter of the hashes of the keys that exist (key-filter.ts), so that
 * the reads which prove a new key is new never reach the tree.
 */

import { decodeStateValue } from '../../protocol/contracts/engine/block-state.js';
import type { StateReader, WriteSet } from '../../protocol/contracts/engine/types.js';
import type { Bytes } from '../../protocol/core/bytes.js';
import type { JsonValue } from '../../protocol/core/canonical.js';
import { LEAF_TAG, leafKeyHash } from '../../protocol/state/node-codec.js';
import { KeyFilter } from './key-filter.js';

/** Where committed values come from: the state tree at the latest committed version. */
export interface StateSource {
  /** The hash the tree files a key under. */
  keyHash(key: string): Bytes;
  /** The latest committed value filed under a key hash. */
  load(keyHash: Bytes): Bytes | undefined;
  /** Visits the hash of every key of the latest committed state once; returns the count. */
  scanKeyHashes?(visit: (keyHash: Bytes) => void): number;
}

/**
 * About 16 MiB of cached values at the ~250 bytes a typical member or record value takes,
 * when full; values are cached when read, so what fills it is what reads need: the signers'
 * key records, organizations and nonces every transaction reads, and the grants and
 * records a health workload's reads keep coming back to. 8,192 entries, cached on write as
 * well, cut a validator's peak by 30–40 MiB but put FHIR reads over a population of 10,000
 * patients and 50,000 grants at p99 28–95 ms instead of 4–5 (docs/BENCHMARKS.md, "What the
 * state cache keeps").
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
  private readonly filter: KeyFilter | undefined;

  constructor(
    private readonly source: StateSource,
    private readonly capacity = CAPACITY_DEFAULT,
  ) {
    if (source.scanKeyHashes !== undefined) {
      const filter = new KeyFilter();
      source.scanKeyHashes((keyHash) => filter.add(keyHash));
      this.filter = filter;
    }
  }

  get(key: string): Bytes | undefined {
    const cached = this.entries.get(key);
    if (cached !== undefined) {
      return cached ?? undefined;
    }
    const keyHash = this.source.keyHash(key);
    if (this.filter !== undefined && !this.filter.mightContain(keyHash)) {
      // Remembered, so the execution that follows admission does not hash the key again.
      this.remember(key, null);
      return undefined;
    }
    const value = this.source.load(keyHash) ?? null;
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
   * Applies a committed block's writes, so the cache never serves a stale value. Only keys
   * cached with a value are updated in place: the rest are dropped, and the next read
   * fetches them. Most writes create keys (members, records, grants, audit events) that are
   * written once and rarely read; cached on write, they filled the cache, pushed out the
   * values reads need, and were live heap that every full collection marked. The filter
   * takes key hashes from the leaves among the block's new tree nodes, which name every key
   * the block created, rather than hashing each written key again.
   */
  apply(writes: WriteSet, treeNodes: ReadonlyArray<readonly [string, Bytes]>): void {
    const filter = this.filter;
    const kept: [string, Bytes | null][] = [];
    // The written arrays are views into shared arenas; kept for long one by one, each would
    // pin a whole slab of other, dead bytes. The kept values go into one buffer instead.
    let total = 0;
    for (const [key, value] of writes) {
      const cached = this.entries.get(key);
      this.entries.delete(key);
      this.decodedValues.delete(key);
      if (cached !== undefined && cached !== null) {
        kept.push([key, value]);
        total += value?.length ?? 0;
      }
    }
    const buffer = new Uint8Array(total);
    let offset = 0;
    for (const [key, value] of kept) {
      if (value === null) {
        this.remember(key, null);
        continue;
      }
      buffer.set(value, offset);
      this.remember(key, buffer.subarray(offset, offset + value.length));
      offset += value.length;
    }
    if (filter !== undefined) {
      for (const [, node] of treeNodes) {
        if (node[0] === LEAF_TAG) {
          filter.add(leafKeyHash(node));
        }
      }
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
