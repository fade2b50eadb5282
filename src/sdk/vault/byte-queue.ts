/**
 * A FIFO of byte pieces that hands out exact-length slices. Streams deliver pieces of any
 * size; the format needs whole chunks. Pieces are kept as they arrived and copied once, into
 * the slice, so buffering one chunk costs one chunk of memory and no quadratic concatenation.
 */
import { concatBytes } from '../../protocol/core/bytes.js';

const EMPTY = new Uint8Array(0);

export class ByteQueue {
  private readonly pieces: Uint8Array[] = [];
  private head = 0;
  private offset = 0;
  private total = 0;

  get length(): number {
    return this.total;
  }

  push(piece: Uint8Array): void {
    if (piece.length > 0) {
      this.pieces.push(piece);
      this.total += piece.length;
    }
  }

  /** Removes and returns the first `count` bytes; a view without copying when one piece fits. */
  take(count: number): Uint8Array {
    if (!Number.isInteger(count) || count < 0 || count > this.total) {
      throw new RangeError(`cannot take ${count} of ${this.total} queued bytes`);
    }
    const first = this.pieces[this.head];
    if (first !== undefined && first.length - this.offset >= count) {
      const view = first.subarray(this.offset, this.offset + count);
      this.advance(count);
      return view;
    }
    const out = new Uint8Array(count);
    let written = 0;
    while (written < count) {
      const piece = this.pieces[this.head]!;
      const take = Math.min(count - written, piece.length - this.offset);
      out.set(piece.subarray(this.offset, this.offset + take), written);
      written += take;
      this.advance(take);
    }
    return out;
  }

  private advance(count: number): void {
    this.total -= count;
    this.offset += count;
    const piece = this.pieces[this.head];
    if (piece !== undefined && this.offset === piece.length) {
      // Release the consumed piece at once: holding 64 spent 1 MiB reads would hold 64 MiB.
      this.pieces[this.head] = EMPTY;
      this.head += 1;
      this.offset = 0;
    }
    // Compact the array now and then so it does not grow for the whole stream.
    if (this.head > 64) {
      this.pieces.splice(0, this.head);
      this.head = 0;
    }
  }
}

/** Reads a stream to its end into one array: for documents small enough to hold whole. */
export async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const pieces: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const read = await reader.read();
    if (read.done) {
      return concatBytes(...pieces);
    }
    pieces.push(read.value);
  }
}
