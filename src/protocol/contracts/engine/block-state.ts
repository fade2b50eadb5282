/**
 * The state a block executes against: committed values read through the StateReader and
 * decoded once per block, the block's own writes on top, and a per-transaction buffer that
 * reaches the block only when its transaction succeeds. Each written value is encoded once
 * (when written, to check its size) and those bytes go straight into the WriteSet.
 */
import { type Bytes, fromUtf8 } from '../../core/bytes.js';
import { canonicalBytes, type JsonValue } from '../../core/canonical.js';
import type { StateReader, WriteSet } from './types.js';

interface Slot {
  /** Undefined when the key is absent (never written, or deleted). */
  value: JsonValue | undefined;
  /** Encoded value; null for a deletion; undefined when not encoded yet. */
  bytes: Bytes | null | undefined;
  dirty: boolean;
}

/** Decodes a committed value. Frozen, so no caller can change the cached copy in place. */
export function decodeStateValue(bytes: Bytes): JsonValue {
  return deepFreeze(JSON.parse(fromUtf8(bytes)) as JsonValue);
}

export function deepFreeze<T extends JsonValue>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) {
      deepFreeze(item);
    }
  }
  return value;
}

export class BlockState {
  private readonly slots = new Map<string, Slot>();

  constructor(private readonly reader: StateReader) {}

  get(key: string): JsonValue | undefined {
    const slot = this.slots.get(key);
    if (slot !== undefined) {
      return slot.value;
    }
    let value = this.reader.decoded?.(key);
    if (value === undefined) {
      const bytes = this.reader.get(key);
      value = bytes === undefined ? undefined : decodeStateValue(bytes);
    }
    this.slots.set(key, { value, bytes: undefined, dirty: false });
    return value;
  }

  /** Stores a value whose bytes, when undefined, are encoded once at the end of the block. */
  put(key: string, value: JsonValue | undefined, bytes: Bytes | null | undefined): void {
    this.slots.set(key, { value, bytes: value === undefined ? null : bytes, dirty: true });
  }

  /** The block's writes, in key order so that every validator hands storage the same batch. */
  writes(): WriteSet {
    const keys: string[] = [];
    for (const [key, slot] of this.slots) {
      if (slot.dirty) {
        keys.push(key);
      }
    }
    keys.sort();
    const writes: WriteSet = new Map();
    for (const key of keys) {
      const slot = this.slots.get(key)!;
      if (slot.value === undefined) {
        writes.set(key, null);
      } else {
        writes.set(key, slot.bytes ?? canonicalBytes(slot.value));
      }
    }
    return writes;
  }
}

interface Buffered {
  value: JsonValue | undefined;
  bytes: Bytes | null;
}

/** One transaction's writes; discarded on failure, merged into the block on success. */
export class TransactionBuffer {
  private readonly entries = new Map<string, Buffered>();

  constructor(private readonly block: BlockState) {}

  get(key: string): JsonValue | undefined {
    const entry = this.entries.get(key);
    return entry === undefined ? this.block.get(key) : entry.value;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  get size(): number {
    return this.entries.size;
  }

  set(key: string, value: JsonValue, bytes: Bytes): void {
    this.entries.set(key, { value, bytes });
  }

  delete(key: string): void {
    this.entries.set(key, { value: undefined, bytes: null });
  }

  commit(): void {
    for (const [key, entry] of this.entries) {
      this.block.put(key, entry.value, entry.bytes);
    }
    this.entries.clear();
  }

  discard(): void {
    this.entries.clear();
  }
}
