/**
 * Canonical encoding: RFC 8785 JSON Canonicalization Scheme (JCS). Every byte string that is
 * hashed or signed in medchain is `canonicalBytes(value)` of a plain JSON value. See
 * docs/spec/encoding.md.
 *
 * JavaScript already implements the two hard parts exactly as RFC 8785 requires: number
 * serialization is ECMAScript Number::toString (RFC 8785 section 3.2.2.3) and string escaping
 * is JSON.stringify's (section 3.2.2.2). Object keys sort by UTF-16 code units, which is how
 * JavaScript compares strings (section 3.2.3).
 *
 * The encoder writes UTF-8 straight into one reused buffer and hands out a copy carved from
 * a shared arena. A validator canonicalizes every transaction, receipt and state value it
 * handles, several times per transaction; building strings first and then encoding them
 * allocated more than anything else on that path, and a typed array of its own costs V8
 * about ten times a view into a larger one. The arrays returned are such views: a holder
 * that keeps many for long (a cache) copies them into one buffer of its own.
 */
import { ByteArena } from './byte-arena.js';
import { type Bytes, fromUtf8, utf8 } from './bytes.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export class CanonicalEncodingError extends Error {
  override name = 'CanonicalEncodingError';
}

export function canonicalize(value: unknown): string {
  return fromUtf8(canonicalBytes(value));
}

export function canonicalBytes(value: unknown): Bytes {
  return canonicalBytesAfter(EMPTY, value);
}

const EMPTY = new Uint8Array(0);
/** Small enough that a view kept for long pins little, large enough to hold dozens. */
const output = new ByteArena(16 * 1024);
/** The shared buffer shrinks back after an unusually large value (a genesis, say). */
const RETAINED_BYTES_MAX = 1 << 20;
const INITIAL_BYTES = 16 * 1024;

class Writer {
  buffer = new Uint8Array(INITIAL_BYTES);
  position = 0;

  reserve(extra: number): void {
    const needed = this.position + extra;
    if (needed <= this.buffer.length) {
      return;
    }
    let size = this.buffer.length * 2;
    while (size < needed) {
      size *= 2;
    }
    const grown = new Uint8Array(size);
    grown.set(this.buffer.subarray(0, this.position));
    this.buffer = grown;
  }

  byte(code: number): void {
    this.reserve(1);
    this.buffer[this.position++] = code;
  }

  ascii(text: string): void {
    this.reserve(text.length);
    const { buffer } = this;
    let position = this.position;
    for (let i = 0; i < text.length; i++) {
      buffer[position++] = text.charCodeAt(i);
    }
    this.position = position;
  }
}

const shared = new Writer();
let sharedBusy = false;

/** `prefix` followed by the canonical bytes of `value`, in one allocation. */
export function canonicalBytesAfter(prefix: Bytes, value: unknown): Bytes {
  // A getter on an encoded object could call back in; it gets a writer of its own.
  const writer = sharedBusy ? new Writer() : shared;
  const owned = writer === shared;
  if (owned) {
    sharedBusy = true;
  }
  try {
    writer.position = 0;
    writer.reserve(prefix.length);
    writer.buffer.set(prefix, 0);
    writer.position = prefix.length;
    write(writer, value);
    const bytes = output.allocate(writer.position);
    bytes.set(writer.buffer.subarray(0, writer.position));
    return bytes;
  } finally {
    if (owned) {
      sharedBusy = false;
      if (shared.buffer.length > RETAINED_BYTES_MAX) {
        shared.buffer = new Uint8Array(INITIAL_BYTES);
      }
    }
  }
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;

function write(writer: Writer, value: unknown): void {
  if (value === null) {
    writer.ascii('null');
    return;
  }
  switch (typeof value) {
    case 'boolean':
      writer.ascii(value ? 'true' : 'false');
      return;
    case 'number':
      writeNumber(writer, value);
      return;
    case 'string':
      writeString(writer, value);
      return;
    case 'object':
      if (Array.isArray(value)) {
        writeArray(writer, value);
      } else {
        writeObject(writer, value as Record<string, unknown>);
      }
      return;
    default:
      throw new CanonicalEncodingError(`cannot encode a value of type ${typeof value}`);
  }
}

function writeNumber(writer: Writer, value: number): void {
  if (!Number.isFinite(value)) {
    throw new CanonicalEncodingError('numbers must be finite (RFC 8785 section 3.2.2.3)');
  }
  if (Number.isSafeInteger(value)) {
    writeInteger(writer, value);
    return;
  }
  writer.ascii(String(value));
}

/** Safe integers (nonces, heights, times) in decimal without a string in between. */
function writeInteger(writer: Writer, value: number): void {
  if (value < 0) {
    writer.byte(0x2d);
    value = -value;
  }
  let digits = 1;
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) {
    digits++;
  }
  writer.reserve(digits);
  const { buffer } = writer;
  let position = writer.position + digits;
  writer.position = position;
  do {
    buffer[--position] = 0x30 + (value % 10);
    value = Math.floor(value / 10);
  } while (value > 0);
}

function writeString(writer: Writer, text: string): void {
  const length = text.length;
  writer.reserve(length + 2);
  const { buffer } = writer;
  let position = writer.position;
  buffer[position++] = QUOTE;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    // Printable ASCII other than `"` and `\`: the bytes are the characters.
    if (code < 0x20 || code === QUOTE || code === 0x5c || code >= 0x80) {
      writeEscaped(writer, text);
      return;
    }
    buffer[position++] = code;
  }
  buffer[position++] = QUOTE;
  writer.position = position;
}

/** The general case: JSON.stringify's escaping (RFC 8785 section 3.2.2.2), then UTF-8. */
function writeEscaped(writer: Writer, text: string): void {
  checkWellFormed(text);
  const bytes = utf8(JSON.stringify(text));
  writer.reserve(bytes.length);
  writer.buffer.set(bytes, writer.position);
  writer.position += bytes.length;
}

function writeArray(writer: Writer, values: unknown[]): void {
  writer.byte(0x5b);
  for (let i = 0; i < values.length; i++) {
    if (i > 0) {
      writer.byte(COMMA);
    }
    write(writer, values[i]);
  }
  writer.byte(0x5d);
}

function writeObject(writer: Writer, object: Record<string, unknown>): void {
  const prototype = Object.getPrototypeOf(object);
  if (prototype !== Object.prototype && prototype !== null) {
    throw new CanonicalEncodingError('only plain objects can be encoded');
  }
  const keys = Object.keys(object);
  sortKeys(keys);
  writer.byte(0x7b);
  let first = true;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const value = object[key];
    if (value === undefined) {
      continue;
    }
    if (!first) {
      writer.byte(COMMA);
    }
    first = false;
    writeString(writer, key);
    writer.byte(COLON);
    write(writer, value);
  }
  writer.byte(0x7d);
}

/**
 * Sorts by UTF-16 code units, in place. Objects are small and usually built in order
 * already (decoders do), so insertion sort: it allocates nothing, unlike Array#sort.
 */
function sortKeys(keys: string[]): void {
  if (keys.length > 32) {
    keys.sort();
    return;
  }
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    if (keys[j]! <= key) {
      continue;
    }
    while (j >= 0 && keys[j]! > key) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = key;
  }
}

/** RFC 8785 section 3.2.2.2: lone surrogates cannot be represented in I-JSON. */
function checkWellFormed(text: string): void {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) {
        throw new CanonicalEncodingError('string holds a lone surrogate');
      }
      i++;
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      throw new CanonicalEncodingError('string holds a lone surrogate');
    }
  }
}
