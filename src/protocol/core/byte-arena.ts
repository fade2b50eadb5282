/**
 * Carves many small byte arrays out of a few large buffers. A block writes tens of
 * thousands of nodes; giving each its own ArrayBuffer makes the garbage collector track
 * every one, which cost more than hashing them. Arrays handed out are views: a consumer
 * that keeps one must not assume it owns the whole underlying buffer.
 */
import { assert } from './assert.js';
import type { Bytes } from './bytes.js';

export const ARENA_SLAB_BYTES = 1 << 16;

export class ByteArena {
  private slab: Bytes;
  private offset = 0;

  constructor(private readonly slabBytes: number = ARENA_SLAB_BYTES) {
    assert(Number.isSafeInteger(slabBytes) && slabBytes > 0, 'byte arena: bad slab size');
    this.slab = new Uint8Array(slabBytes);
  }

  allocate(length: number): Bytes {
    assert(Number.isSafeInteger(length) && length >= 0, 'byte arena: bad length');
    if (length * 4 > this.slabBytes) {
      // Large arrays would waste most of a slab; they are rare enough to stand alone.
      return new Uint8Array(length);
    }
    if (this.offset + length > this.slab.length) {
      this.slab = new Uint8Array(this.slabBytes);
      this.offset = 0;
    }
    const bytes = this.slab.subarray(this.offset, this.offset + length);
    this.offset += length;
    return bytes;
  }
}
