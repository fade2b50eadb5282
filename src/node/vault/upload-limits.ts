/**
 * Limits every vault adapter enforces the same way: a fixed number of upload slots (an
 * upload beyond them is refused at once, so a slow client cannot make others queue behind
 * it), and a size cap checked on every piece as it streams in, never after the fact.
 */
import { assert } from '../../protocol/core/assert.js';
import { type UploadBody, VaultError, type VaultLimits } from './vault-backend.js';

export class UploadSlots {
  private active = 0;

  constructor(private readonly max: number) {
    assert(Number.isInteger(max) && max > 0, 'upload slots: max must be a positive integer');
  }

  /** Takes a slot or throws busy; the caller must call the returned release exactly once. */
  acquire(): () => void {
    if (this.active >= this.max) {
      throw new VaultError('busy', `${this.max} uploads already in progress`);
    }
    this.active += 1;
    let released = false;
    return () => {
      assert(!released, 'upload slot released twice');
      released = true;
      this.active -= 1;
    };
  }
}

/**
 * Reads `body` to its end, handing each piece to `sink` and failing with too_large as soon as
 * the running total passes the limit. The sink's promise is awaited: that is the backpressure.
 */
export async function drainBounded(
  body: UploadBody,
  limits: Pick<VaultLimits, 'objectSizeBytesMax'>,
  sink: (piece: Uint8Array) => void | Promise<void>,
): Promise<number> {
  if (!('getReader' in body)) {
    return drainIterable(body, limits, sink);
  }
  const reader = body.getReader();
  let sizeBytes = 0;
  try {
    for (;;) {
      const read = await reader.read();
      if (read.done) {
        return sizeBytes;
      }
      sizeBytes += read.value.length;
      if (sizeBytes > limits.objectSizeBytesMax) {
        throw new VaultError('too_large', `object exceeds ${limits.objectSizeBytesMax} bytes`);
      }
      await sink(read.value);
    }
  } catch (error) {
    await reader.cancel(error).catch(() => undefined);
    throw error;
  } finally {
    reader.releaseLock();
  }
}

/** The same over an async iterable; leaving the loop early destroys a Node stream. */
async function drainIterable(
  body: AsyncIterable<Uint8Array>,
  limits: Pick<VaultLimits, 'objectSizeBytesMax'>,
  sink: (piece: Uint8Array) => void | Promise<void>,
): Promise<number> {
  let sizeBytes = 0;
  for await (const piece of body) {
    sizeBytes += piece.length;
    if (sizeBytes > limits.objectSizeBytesMax) {
      throw new VaultError('too_large', `object exceeds ${limits.objectSizeBytesMax} bytes`);
    }
    await sink(piece);
  }
  return sizeBytes;
}
