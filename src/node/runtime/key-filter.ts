/**
 * A Bloom filter over the committed state's keys. Most healthcare transactions create keys
 * (a member, a record anchor, a grant, an audit event) and first read them to prove they
 * are new; without the filter each such read is a database lookup that finds nothing.
 * "Absent" answers are exact, "maybe present" answers go to the store, so the filter can
 * only save work, never change a result, as long as every committed key was added.
 */

/** Bits per expected key; with seven probes about 0.05% of absent keys still reach the store. */
const BITS_PER_KEY = 16;
const PROBES = 7;
const BITS_MIN = 1 << 20;

export class KeyFilter {
  private bits: Uint32Array;
  private mask: number;
  private count = 0;

  constructor(expectedKeys = 0) {
    const size = filterBits(expectedKeys);
    this.bits = new Uint32Array(size >>> 5);
    this.mask = size - 1;
  }

  /** Keys added, counting repeats; the owner rebuilds a larger filter when this outgrows it. */
  get added(): number {
    return this.count;
  }

  /** True when more keys were added than the filter was sized for. */
  get saturated(): boolean {
    return this.count * BITS_PER_KEY > this.mask + 1;
  }

  add(key: string): void {
    const h1 = fnv1a(key);
    const h2 = mix(h1) | 1;
    for (let i = 0; i < PROBES; i++) {
      const bit = (h1 + Math.imul(i, h2)) & this.mask;
      this.bits[bit >>> 5]! |= 1 << (bit & 31);
    }
    this.count++;
  }

  mightContain(key: string): boolean {
    const h1 = fnv1a(key);
    const h2 = mix(h1) | 1;
    for (let i = 0; i < PROBES; i++) {
      const bit = (h1 + Math.imul(i, h2)) & this.mask;
      if ((this.bits[bit >>> 5]! & (1 << (bit & 31))) === 0) {
        return false;
      }
    }
    return true;
  }
}

/** A power of two, so a probe is a mask instead of a division. */
function filterBits(expectedKeys: number): number {
  let size = BITS_MIN;
  while (size < expectedKeys * BITS_PER_KEY * 2) {
    size *= 2;
  }
  return size;
}

/** FNV-1a over UTF-16 code units: keys are short ASCII strings, so this is cheap. */
function fnv1a(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  }
  return hash >>> 0;
}

/** A second, independent-enough hash for double hashing (murmur3's finalizer). */
function mix(hash: number): number {
  let h = hash;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
