/**
 * A Bloom filter over the hashes of the committed state's keys. Most healthcare
 * transactions create keys (a member, a record anchor, a grant, an audit event) and first
 * read them to prove they are new; without the filter each such read is a walk down the
 * state tree that finds nothing. "Absent" answers are exact, "maybe present" answers go to
 * the tree, so the filter can only save work, never change a result, as long as every
 * committed key was added.
 *
 * It holds key hashes (SHA-256, as the tree files keys) rather than keys, because the tree
 * is the only copy of the state and its leaves hold hashes: that is what a restart can
 * rebuild the filter from. The hash bits are uniform already, so they are the probes.
 *
 * It grows in layers, each twice the size of the one before (a scalable Bloom filter):
 * once the newest layer holds the keys it was sized for, new keys go to a new one. Growing
 * never rescans the state, which on a large chain would stall the node for seconds.
 */
import type { Bytes } from '../../protocol/core/bytes.js';

/** Bits per key; with seven probes about 0.05% of absent keys still reach the tree, per layer. */
const BITS_PER_KEY = 16;
const PROBES = 7;
const BITS_MIN = 1 << 20;

interface Layer {
  bits: Uint32Array;
  mask: number;
  capacity: number;
  count: number;
}

export class KeyFilter {
  private readonly layers: Layer[];
  private count = 0;

  constructor(expectedKeys = 0) {
    this.layers = [layer(expectedKeys)];
  }

  /** Keys added: a key the filter already reports as possibly present is not counted. */
  get added(): number {
    return this.count;
  }

  /** Layers so far: one until the filter outgrows the size it was made for. */
  get layerCount(): number {
    return this.layers.length;
  }

  /**
   * Adds a key by its 32-byte hash. A key it may hold already is skipped: every block
   * rewrites the leaves of the keys it updates, and counting those again would add layers
   * for keys that exist once. Skipping a false positive is safe, since bits are never
   * cleared: the filter goes on reporting that key as possibly present.
   */
  add(keyHash: Bytes): void {
    if (this.mightContain(keyHash)) {
      return;
    }
    let newest = this.layers[this.layers.length - 1]!;
    if (newest.count >= newest.capacity) {
      newest = layer(newest.capacity * 2);
      this.layers.push(newest);
    }
    const h1 = word(keyHash, 0);
    const h2 = word(keyHash, 4) | 1;
    const { bits, mask } = newest;
    for (let i = 0; i < PROBES; i++) {
      const bit = (h1 + Math.imul(i, h2)) & mask;
      bits[bit >>> 5]! |= 1 << (bit & 31);
    }
    newest.count++;
    this.count++;
  }

  mightContain(keyHash: Bytes): boolean {
    const h1 = word(keyHash, 0);
    const h2 = word(keyHash, 4) | 1;
    for (const { bits, mask } of this.layers) {
      let present = true;
      for (let i = 0; i < PROBES; i++) {
        const bit = (h1 + Math.imul(i, h2)) & mask;
        if ((bits[bit >>> 5]! & (1 << (bit & 31))) === 0) {
          present = false;
          break;
        }
      }
      if (present) {
        return true;
      }
    }
    return false;
  }
}

/** A layer for `keys` keys; its size is a power of two, so a probe is a mask, not a division. */
function layer(keys: number): Layer {
  let size = BITS_MIN;
  while (size < keys * BITS_PER_KEY) {
    size *= 2;
  }
  return {
    bits: new Uint32Array(size >>> 5),
    mask: size - 1,
    capacity: size / BITS_PER_KEY,
    count: 0,
  };
}

function word(bytes: Bytes, offset: number): number {
  return (
    (bytes[offset]! |
      (bytes[offset + 1]! << 8) |
      (bytes[offset + 2]! << 16) |
      (bytes[offset + 3]! << 24)) >>>
    0
  );
}
