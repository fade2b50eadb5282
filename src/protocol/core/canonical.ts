/**
 * Canonical encoding: RFC 8785 JSON Canonicalization Scheme (JCS). Every byte string that is
 * hashed or signed in medchain is `canonicalize(value)` of a plain JSON value. See
 * docs/spec/encoding.md.
 *
 * JavaScript already implements the two hard parts exactly as RFC 8785 requires: number
 * serialization is ECMAScript Number::toString (RFC 8785 section 3.2.2.3) and string escaping
 * is JSON.stringify's (section 3.2.2.2). Object keys sort by UTF-16 code units, which is how
 * Array.prototype.sort compares strings (section 3.2.3).
 */
import { type Bytes, utf8 } from './bytes.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export class CanonicalEncodingError extends Error {
  override name = 'CanonicalEncodingError';
}

export function canonicalize(value: unknown): string {
  const parts: string[] = [];
  write(value, parts);
  return parts.join('');
}

export function canonicalBytes(value: unknown): Bytes {
  return utf8(canonicalize(value));
}

function write(value: unknown, parts: string[]): void {
  if (value === null) {
    parts.push('null');
    return;
  }
  switch (typeof value) {
    case 'boolean':
      parts.push(value ? 'true' : 'false');
      return;
    case 'number':
      if (!Number.isFinite(value)) {
        throw new CanonicalEncodingError('numbers must be finite (RFC 8785 section 3.2.2.3)');
      }
      parts.push(Object.is(value, -0) ? '0' : String(value));
      return;
    case 'string':
      checkWellFormed(value);
      parts.push(JSON.stringify(value));
      return;
    case 'object':
      if (Array.isArray(value)) {
        writeArray(value, parts);
      } else {
        writeObject(value as Record<string, unknown>, parts);
      }
      return;
    default:
      throw new CanonicalEncodingError(`cannot encode a value of type ${typeof value}`);
  }
}

function writeArray(values: unknown[], parts: string[]): void {
  parts.push('[');
  for (let i = 0; i < values.length; i++) {
    if (i > 0) {
      parts.push(',');
    }
    write(values[i], parts);
  }
  parts.push(']');
}

function writeObject(object: Record<string, unknown>, parts: string[]): void {
  const prototype = Object.getPrototypeOf(object);
  if (prototype !== Object.prototype && prototype !== null) {
    throw new CanonicalEncodingError('only plain objects can be encoded');
  }
  const keys = Object.keys(object)
    .filter((key) => object[key] !== undefined)
    .sort();
  parts.push('{');
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (i > 0) {
      parts.push(',');
    }
    checkWellFormed(key);
    parts.push(JSON.stringify(key), ':');
    write(object[key], parts);
  }
  parts.push('}');
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
