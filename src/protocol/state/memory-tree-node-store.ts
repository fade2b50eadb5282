/**
 * Map-backed tree node store for tests and the in-memory storage twin. Keeps every version
 * until told to forget nodes, as the SQLite store does with its stale-node index.
 *
 * Nodes are packed into large slabs rather than kept as one array each: with millions of
 * nodes, per-node buffers made garbage collection pauses longer than a whole block.
 */
import { assert } from '../core/assert.js';
import type { Bytes } from '../core/bytes.js';
import type { ApplyWritesResult, NodeId, TreeNodeStore } from './types.js';

const SLAB_BYTES = 1 << 20;
/** A location is slab index × SPAN + offset; dedicated slabs for big nodes stay below SPAN. */
const SPAN = 2 ** 32;
const LENGTH_BYTES = 4;
/** Forgotten bytes are reclaimed once they outweigh the live ones and this floor. */
const COMPACT_BYTES_MIN = 64 << 20;

export class MemoryTreeNodeStore implements TreeNodeStore {
  private index = new Map<NodeId, number>();
  private slabs: Bytes[] = [];
  private offset = SLAB_BYTES;
  private liveBytes = 0;
  private deadBytes = 0;

  getNode(id: NodeId): Bytes | undefined {
    const location = this.index.get(id);
    if (location === undefined) {
      return undefined;
    }
    const slabIndex = Math.floor(location / SPAN);
    const start = location - slabIndex * SPAN + LENGTH_BYTES;
    const slab = this.slabs[slabIndex]!;
    const length =
      (slab[start - 4]! << 24) |
      (slab[start - 3]! << 16) |
      (slab[start - 2]! << 8) |
      slab[start - 1]!;
    return slab.subarray(start, start + length);
  }

  /** Saves a batch's new nodes. Stale nodes stay until `deleteNodes`: old versions need them. */
  save(update: Pick<ApplyWritesResult, 'newNodes'>): void {
    for (const [id, node] of update.newNodes) {
      // Ids embed the version, so an existing id means a version was applied twice.
      assert(!this.index.has(id), 'memory tree node store: node id reused');
      this.index.set(id, this.append(node));
      this.liveBytes += node.length;
    }
  }

  /** Forgets nodes, typically the stale nodes of versions no longer kept. */
  deleteNodes(ids: readonly NodeId[]): void {
    for (const id of ids) {
      const node = this.getNode(id);
      if (node !== undefined) {
        this.index.delete(id);
        this.liveBytes -= node.length;
        this.deadBytes += node.length;
      }
    }
    if (this.deadBytes > this.liveBytes && this.deadBytes > COMPACT_BYTES_MIN) {
      this.compact();
    }
  }

  get nodeCount(): number {
    return this.index.size;
  }

  /** Bytes of the nodes currently kept (excluding slab overhead). */
  get byteCount(): number {
    return this.liveBytes;
  }

  private append(node: Bytes): number {
    const length = node.length;
    assert(length < 2 ** 31, 'memory tree node store: node too large');
    let slab: Bytes;
    if ((length + LENGTH_BYTES) * 4 > SLAB_BYTES) {
      slab = new Uint8Array(length + LENGTH_BYTES);
      this.slabs.push(slab);
      this.offset = SLAB_BYTES;
      return this.write(slab, 0, node);
    }
    if (this.offset + LENGTH_BYTES + length > SLAB_BYTES) {
      this.slabs.push(new Uint8Array(SLAB_BYTES));
      this.offset = 0;
    }
    slab = this.slabs[this.slabs.length - 1]!;
    const location = this.write(slab, this.offset, node);
    this.offset += LENGTH_BYTES + length;
    return location;
  }

  private write(slab: Bytes, offset: number, node: Bytes): number {
    const length = node.length;
    slab[offset] = length >>> 24;
    slab[offset + 1] = (length >>> 16) & 0xff;
    slab[offset + 2] = (length >>> 8) & 0xff;
    slab[offset + 3] = length & 0xff;
    slab.set(node, offset + LENGTH_BYTES);
    return (this.slabs.length - 1) * SPAN + offset;
  }

  private compact(): void {
    const kept: Array<[NodeId, Bytes]> = [];
    for (const id of this.index.keys()) {
      kept.push([id, this.getNode(id)!]);
    }
    this.index = new Map();
    const oldSlabs = this.slabs;
    this.slabs = [];
    this.offset = SLAB_BYTES;
    this.liveBytes = 0;
    this.deadBytes = 0;
    this.save({ newNodes: kept });
    assert(oldSlabs.length >= this.slabs.length, 'memory tree node store: compaction grew');
  }
}
