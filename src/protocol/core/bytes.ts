/** Byte helpers shared by every layer. Hex is lowercase, with no 0x prefix. */
import { assert } from './assert.js';

export type Bytes = Uint8Array;

const HEX = '0123456789abcdef';
const HEX_PAIRS: string[] = [];
for (let i = 0; i < 256; i++) {
  HEX_PAIRS.push(HEX[i >> 4]! + HEX[i & 15]!);
}

export function toHex(bytes: Bytes): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    out += HEX_PAIRS[bytes[i]!]!;
  }
  return out;
}

const HEX_PATTERN = /^(?:[0-9a-f]{2})*$/;

export function isHex(text: string, byteLength?: number): boolean {
  if (byteLength !== undefined && text.length !== byteLength * 2) {
    return false;
  }
  return HEX_PATTERN.test(text);
}

function nibble(code: number): number {
  if (code >= 48 && code <= 57) {
    return code - 48;
  }
  if (code >= 97 && code <= 102) {
    return code - 87;
  }
  return -1;
}

/** Decodes lowercase hex. Callers at a boundary check isHex first; here bad input is a bug. */
export function fromHex(text: string): Bytes {
  assert(text.length % 2 === 0, 'hex: odd length');
  const out = new Uint8Array(text.length / 2);
  hexInto(text, out, 0);
  return out;
}

/** Decodes lowercase hex into `target` at `offset`, for callers that reuse one buffer. */
export function hexInto(text: string, target: Bytes, offset: number): void {
  assert(text.length % 2 === 0, 'hex: odd length');
  const length = text.length / 2;
  assert(offset + length <= target.length, 'hex: target too short');
  for (let i = 0; i < length; i++) {
    const high = nibble(text.charCodeAt(i * 2));
    const low = nibble(text.charCodeAt(i * 2 + 1));
    assert(high >= 0 && low >= 0, 'hex: invalid digit');
    target[offset + i] = (high << 4) | low;
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function utf8(text: string): Bytes {
  return encoder.encode(text);
}

export function fromUtf8(bytes: Bytes): string {
  return decoder.decode(bytes);
}

export function concatBytes(...parts: Bytes[]): Bytes {
  let length = 0;
  for (const part of parts) {
    length += part.length;
  }
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function bytesEqual(a: Bytes, b: Bytes): boolean {
  if (a.length !== b.length) {
    return false;
  }
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      return false;
    }
  }
  return true;
}

/** Lexicographic order of byte strings (shorter prefix first). */
export function compareBytes(a: Bytes, b: Bytes): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const diff = a[i]! - b[i]!;
    if (diff !== 0) {
      return diff;
    }
  }
  return a.length - b.length;
}
