/**
 * Stream helpers shared by the vault's tests and benchmark: deterministic plaintext of any
 * size produced on demand (never held whole), and collection of small streams into bytes.
 */

/** Bytes from a fixed-seed xorshift, so a test can regenerate and compare without storing. */
export function patternBytes(seed: number, length: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  let state = seed | 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = state & 0xff;
  }
  return out;
}

/** A stream of `totalBytes` in pieces of `pieceBytes`: views of one block nobody writes to. */
export function generatedStream(
  totalBytes: number,
  pieceBytes = 64 * 1024,
): ReadableStream<Uint8Array> {
  const block = patternBytes(7, pieceBytes);
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= totalBytes) {
        controller.close();
        return;
      }
      const length = Math.min(pieceBytes, totalBytes - sent);
      controller.enqueue(block.subarray(0, length));
      sent += length;
    },
  });
}

/** A stream that delivers `bytes` in pieces of the given size (to vary chunk alignment). */
export function streamOf(bytes: Uint8Array, pieceBytes = 4096): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(at, at + pieceBytes));
      at += pieceBytes;
    },
  });
}

export { readAll as collect } from './byte-queue.js';
