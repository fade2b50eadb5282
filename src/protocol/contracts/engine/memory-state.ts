/**
 * World state in memory: a StateReader that applies WriteSets. For tests, the simulator
 * and tools that replay a chain; the node keeps state in its storage adapter instead.
 */
import type { Bytes } from '../../core/bytes.js';
import type { StateReader, WriteSet } from './types.js';

export class MemoryState implements StateReader {
  private readonly values = new Map<string, Bytes>();

  get(key: string): Bytes | undefined {
    return this.values.get(key);
  }

  apply(writes: WriteSet): void {
    for (const [key, value] of writes) {
      if (value === null) {
        this.values.delete(key);
      } else {
        this.values.set(key, value);
      }
    }
  }

  /** A copy, so a test can compare state before and after. */
  snapshot(): Map<string, Bytes> {
    return new Map(this.values);
  }
}
