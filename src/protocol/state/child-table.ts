/**
 * The 16 child slots of an internal node, decoded without copying: each child hash is
 * referenced as (source bytes, offset) into the node it came from, so walking and
 * rewriting a path allocates only the new node. One table is reused per tree depth.
 */
import { assert } from '../core/assert.js';
import type { ByteArena } from '../core/byte-arena.js';
import type { Bytes } from '../core/bytes.js';
import {
  childMaskOf,
  HASH_BYTES,
  INTERNAL_TAG,
  internalPreimageBytes,
  LEAF_PREFIX_BYTES,
  LEAF_PREFIX_NIBBLES,
  leafRowId,
  popcount16,
  RADIX,
} from './node-codec.js';
import type { NodeId, StateVersion } from './types.js';

const EMPTY_SOURCE: Bytes = new Uint8Array(0);

/**
 * Where a leaf child's row is, for a leaf that has moved since it was written: the depth of
 * the path it was written at, and the first LEAF_PREFIX_BYTES of its key hash, which spell
 * that path and let a write that lands beside the leaf tell the two keys apart without
 * reading it. Storage only, like versions (docs/spec/state.md, "Node encoding").
 */
export interface LeafLocation {
  /** Depth (nibbles) of the path the leaf was written at; 0 when unknown. */
  depth: number;
  /** The key hash's first LEAF_PREFIX_BYTES bytes at `offset`; ignored when depth is 0. */
  prefix: Bytes;
  offset: number;
}

export const UNKNOWN_LOCATION: LeafLocation = { depth: 0, prefix: EMPTY_SOURCE, offset: 0 };

export class ChildTable {
  /** Bit n set when slot n holds a child. */
  mask = 0;
  /** Bit n set when the child in slot n is a leaf (not part of the hash). */
  leafMask = 0;
  readonly sources: Bytes[] = new Array<Bytes>(RADIX).fill(EMPTY_SOURCE);
  readonly offsets = new Int32Array(RADIX);
  readonly versions = new Float64Array(RADIX);
  /** For leaf children: the depth their row's path has, 0 when the row is at the slot. */
  readonly leafDepths = new Uint8Array(RADIX);
  readonly prefixSources: Bytes[] = new Array<Bytes>(RADIX).fill(EMPTY_SOURCE);
  readonly prefixOffsets = new Int32Array(RADIX);

  set(
    nibble: number,
    child: { hash: Bytes; version: StateVersion; isLeaf: boolean },
    location: LeafLocation = UNKNOWN_LOCATION,
  ): void {
    const bit = 1 << nibble;
    this.mask |= bit;
    this.leafMask = child.isLeaf ? this.leafMask | bit : this.leafMask & ~bit;
    this.sources[nibble] = child.hash;
    this.offsets[nibble] = 0;
    this.versions[nibble] = child.version;
    this.leafDepths[nibble] = child.isLeaf ? location.depth : 0;
    this.prefixSources[nibble] = location.prefix;
    this.prefixOffsets[nibble] = location.offset;
  }

  /** The store id of the child in slot `nibble`, whose slot path is `childPath`. */
  childId(nibble: number, childPath: string): NodeId {
    return leafRowId(
      this.versions[nibble]!,
      this.leafDepths[nibble]!,
      this.prefixSources[nibble]!,
      this.prefixOffsets[nibble]!,
      childPath,
    );
  }

  /** Where the leaf in slot `nibble` was written; depth 0 means at the slot itself. */
  location(nibble: number): LeafLocation {
    return {
      depth: this.leafDepths[nibble]!,
      prefix: this.prefixSources[nibble]!,
      offset: this.prefixOffsets[nibble]!,
    };
  }

  clear(nibble: number): void {
    const bit = 1 << nibble;
    this.mask &= ~bit;
    this.leafMask &= ~bit;
    this.sources[nibble] = EMPTY_SOURCE;
  }

  /** Fills the table from an encoded internal node: tag ‖ mask ‖ hashes ‖ leafMask ‖ versions. */
  decode(node: Bytes): void {
    assert(node[0] === INTERNAL_TAG, 'child table: not an internal node');
    const mask = childMaskOf(node);
    assert(mask !== 0, 'child table: internal node without children');
    let offset = internalPreimageBytes(popcount16(mask));
    const leafMask = (node[offset]! << 8) | node[offset + 1]!;
    assert((leafMask & ~mask) === 0, 'child table: leaf mask outside child mask');
    offset += 2;
    let hashOffset = 3;
    for (let nibble = 0; nibble < RADIX; nibble++) {
      if ((mask & (1 << nibble)) === 0) {
        this.sources[nibble] = EMPTY_SOURCE;
        continue;
      }
      this.sources[nibble] = node;
      this.offsets[nibble] = hashOffset;
      hashOffset += HASH_BYTES;
      // Unsigned LEB128; arithmetic rather than shifts so versions up to 2^53 decode.
      let version = 0;
      let scale = 1;
      let byte = 0x80;
      while ((byte & 0x80) !== 0) {
        assert(offset < node.length, 'child table: truncated version');
        byte = node[offset++]!;
        version += (byte & 0x7f) * scale;
        scale *= 128;
      }
      this.versions[nibble] = version;
      this.leafDepths[nibble] = 0;
    }
    // Leaf locations follow when any are recorded; nodes written before they were have none.
    if (offset < node.length) {
      for (let nibble = 0; nibble < RADIX; nibble++) {
        if ((leafMask & (1 << nibble)) === 0) {
          continue;
        }
        assert(offset < node.length, 'child table: truncated leaf locations');
        const depth = node[offset++]!;
        assert(depth <= LEAF_PREFIX_NIBBLES, 'child table: bad leaf depth');
        this.leafDepths[nibble] = depth;
        if (depth > 0) {
          assert(offset + LEAF_PREFIX_BYTES <= node.length, 'child table: truncated leaf prefix');
          this.prefixSources[nibble] = node;
          this.prefixOffsets[nibble] = offset;
          offset += LEAF_PREFIX_BYTES;
        }
      }
    }
    assert(offset === node.length, 'child table: trailing bytes');
    this.mask = mask;
    this.leafMask = leafMask;
  }

  /** Encodes the table as an internal node in `arena`'s memory. */
  encode(arena: ByteArena): Bytes {
    const mask = this.mask;
    assert(mask !== 0, 'child table: cannot encode a node without children');
    const leafMask = this.leafMask;
    let length = internalPreimageBytes(popcount16(mask)) + 2;
    let locationBytes = 0;
    for (let nibble = 0; nibble < RADIX; nibble++) {
      if ((mask & (1 << nibble)) !== 0) {
        length += varintBytes(this.versions[nibble]!);
      }
      if ((leafMask & (1 << nibble)) !== 0) {
        locationBytes += this.leafDepths[nibble] === 0 ? 1 : 1 + LEAF_PREFIX_BYTES;
      }
    }
    const node = arena.allocate(length + locationBytes);
    node[0] = INTERNAL_TAG;
    node[1] = mask >> 8;
    node[2] = mask & 0xff;
    const hashesEnd = this.writeHashes(node);
    node[hashesEnd] = leafMask >> 8;
    node[hashesEnd + 1] = leafMask & 0xff;
    writeVersions(node, hashesEnd + 2, mask, this.versions, length);
    let offset = length;
    for (let nibble = 0; nibble < RADIX; nibble++) {
      if ((leafMask & (1 << nibble)) === 0) {
        continue;
      }
      const depth = this.leafDepths[nibble]!;
      node[offset++] = depth;
      if (depth > 0) {
        const start = this.prefixOffsets[nibble]!;
        node.set(this.prefixSources[nibble]!.subarray(start, start + LEAF_PREFIX_BYTES), offset);
        offset += LEAF_PREFIX_BYTES;
      }
    }
    return node;
  }

  /** Copies child hashes, merging runs that sit side by side in one old node into one copy. */
  private writeHashes(node: Bytes): number {
    let offset = 3;
    let runSource: Bytes = EMPTY_SOURCE;
    let runStart = 0;
    let runEnd = 0;
    for (let nibble = 0; nibble < RADIX; nibble++) {
      if ((this.mask & (1 << nibble)) === 0) {
        continue;
      }
      const source = this.sources[nibble]!;
      const sourceOffset = this.offsets[nibble]!;
      if (source === runSource && sourceOffset === runEnd) {
        runEnd += HASH_BYTES;
        continue;
      }
      offset = copyRun(node, offset, runSource, runStart, runEnd);
      runSource = source;
      runStart = sourceOffset;
      runEnd = sourceOffset + HASH_BYTES;
    }
    return copyRun(node, offset, runSource, runStart, runEnd);
  }
}

function copyRun(node: Bytes, offset: number, source: Bytes, start: number, end: number): number {
  if (end === start) {
    return offset;
  }
  node.set(start === 0 && end === source.length ? source : source.subarray(start, end), offset);
  return offset + end - start;
}

function varintBytes(value: number): number {
  let bytes = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    bytes++;
  }
  return bytes;
}

function writeVersions(
  node: Bytes,
  start: number,
  mask: number,
  versions: Float64Array,
  end: number,
): void {
  let offset = start;
  for (let nibble = 0; nibble < RADIX; nibble++) {
    if ((mask & (1 << nibble)) === 0) {
      continue;
    }
    let value = versions[nibble]!;
    assert(Number.isSafeInteger(value) && value >= 0, 'child table: bad version');
    while (value >= 128) {
      node[offset++] = (value % 128) | 0x80;
      value = Math.floor(value / 128);
    }
    node[offset++] = value;
  }
  assert(offset === end, 'child table: encoded length mismatch');
}
