/**
 * Adapts the protocol's versioned state tree to the node: tree nodes are read from the
 * ChainStore and new ones are handed back to be written in the block's one write batch.
 */
import type { WriteSet } from '../../protocol/contracts/engine/types.js';
import type { Bytes } from '../../protocol/core/bytes.js';
import type { Crypto } from '../../protocol/core/crypto.js';
import type { StateCommitment } from '../../protocol/ledger/build-block.js';
import { applyWrites } from '../../protocol/state/apply-writes.js';
import { forEachLeaf } from '../../protocol/state/for-each-leaf.js';
import { getValueByHash } from '../../protocol/state/get-value.js';
import {
  INTERNAL_TAG,
  keyHashOf,
  leafKeyHash,
  nodeIdPath,
  nodeIdVersion,
} from '../../protocol/state/node-codec.js';
import { proveKey } from '../../protocol/state/prove-key.js';
import type { StateProof, StateWrite } from '../../protocol/state/types.js';
import type { ChainStore } from '../storage/chain-store.js';
import type { StateSource } from './state-cache.js';

export interface NodeStateTree extends StateCommitment {
  /**
   * Tells the tree which nodes the store now holds. Only persisted nodes are cached: a
   * block built but never committed must leave no trace, since its node ids will be
   * reused by the block that does commit at that height.
   */
  persisted(nodes: ReadonlyArray<readonly [string, Bytes]>): void;
  prove(version: number, key: string): { value: Bytes | null; proof: StateProof };
  /** The value filed under a key hash at a version, or null: the node's only state read. */
  get(version: number, keyHash: Bytes): Bytes | null;
  /**
   * Visits the key hash of every leaf of a version; returns the count. Reads the store
   * directly, so the walk does not push the nodes that writes need out of the cache.
   */
  forEachKeyHash(version: number, visit: (keyHash: Bytes) => void): number;
}

/**
 * Latest committed values, read through the tree: what the node's state cache loads from.
 * The latest version is looked up at each read; commits run on the reader's thread, so a
 * read never sees a version half written.
 */
export function latestStateSource(
  crypto: Crypto,
  store: Pick<ChainStore, 'latestHeight'>,
  tree: NodeStateTree,
): StateSource {
  return {
    keyHash: (key) => keyHashOf(crypto, key),
    load: (keyHash) => tree.get(store.latestHeight(), keyHash) ?? undefined,
    scanKeyHashes: (visit) => tree.forEachKeyHash(store.latestHeight(), visit),
  };
}

/**
 * Internal tree nodes kept in memory: every write walks from the root, so the upper levels
 * are read by every block. Leaves are not kept: a leaf is read again only when a later
 * write lands in its slot, rarely soon, and leaves carry their values.
 *
 * Two tiers, each holding the newest version of a path. Every internal node of the top
 * CACHED_LEVELS levels stays: a 16-ary tree has at most (16^L - 1) / 15 nodes there, 69,905
 * for five levels, so that tier is bounded by the shape, not by the state. Deeper nodes
 * go to a second tier of DEEP_ENTRIES, oldest out first, which holds all of them while the
 * state is small. With one count-bounded tier the deepest nodes, each read about once,
 * pushed out the upper ones every write needs once the state outgrew it: in the pipeline
 * bench store reads grew from 0.6 to 2.0 per transaction between the first 50,000
 * transactions and the 400,000th (1.06 with the upper levels kept).
 *
 * The versions a block supersedes are read again only by proofs of old versions, which go
 * to the store.
 */
const CACHED_LEVELS = 5;
const DEEP_ENTRIES = 32_768;
/**
 * Superseded node bytes the cache may keep alive in its slabs, beyond which the slabs with
 * the least left alive are emptied: a floor, and a share of the live bytes so that the
 * copying stays in proportion as the state grows.
 */
const GARBAGE_FLOOR_BYTES = 16 * 1024 * 1024;
const GARBAGE_LIVE_SHARE = 0.5;

/**
 * Nodes copied together: one block's persisted nodes, or the survivors moved out of
 * emptier slabs. `nodes` lists what was placed here; those since superseded, evicted or
 * moved point at another slab, or at none.
 */
interface Slab {
  live: number;
  nodes: CachedNode[];
  /** The one buffer the slab's nodes are ranges of. */
  data: Uint8Array;
}

interface CachedNode {
  id: string;
  version: number;
  /**
   * Where the bytes are: a range of a slab, or a buffer of their own (a node read from the
   * store). A range rather than a view, since a view per cached node is a heap object that
   * outlives the young generation, about seven per transaction; the view made on a read dies
   * young.
   */
  slab: Slab | undefined;
  offset: number;
  length: number;
  own: Bytes | undefined;
}

/** What the node cache holds, for tests and diagnostics. */
export interface NodeCacheBytes {
  /** Bytes of the cached nodes. */
  live: number;
  /** Bytes of the slabs those nodes are views into, superseded nodes included. */
  slabs: number;
  /** Bytes in those slabs of nodes no longer cached. */
  superseded: number;
}

export function nodeStateTree(
  crypto: Crypto,
  store: Pick<ChainStore, 'treeNode'>,
  cachedLevels = CACHED_LEVELS,
  deepEntries = DEEP_ENTRIES,
  garbageFloorBytes = GARBAGE_FLOOR_BYTES,
): NodeStateTree & { cacheBytes(): NodeCacheBytes } {
  const upper = new Map<string, CachedNode>();
  const deeper = new Map<string, CachedNode>();
  let liveBytes = 0;
  const slabs = new Set<Slab>();
  /** Summed when needed: there are a few dozen slabs, and a block adds one. */
  const slabTotals = () => {
    let bytes = 0;
    let live = 0;
    for (const slab of slabs) {
      bytes += slab.data.length;
      live += slab.live;
    }
    return { bytes, superseded: bytes - live };
  };
  const release = (held: CachedNode) => {
    liveBytes -= held.length;
    if (held.slab !== undefined) {
      held.slab.live -= held.length;
      held.slab = undefined;
    }
    held.own = undefined;
  };
  /** `own` for a node with a buffer of its own; otherwise its range of `slab`. */
  const place = (
    held: CachedNode,
    own: Bytes | undefined,
    slab: Slab | undefined,
    offset: number,
    length: number,
  ) => {
    held.own = own;
    held.slab = slab;
    held.offset = offset;
    held.length = length;
    liveBytes += length;
    if (slab !== undefined) {
      slab.live += length;
      slab.nodes.push(held);
    }
  };
  const bytesOf = (held: CachedNode): Bytes =>
    held.slab === undefined
      ? held.own!
      : held.slab.data.subarray(held.offset, held.offset + held.length);
  const tierOf = (path: string) => (path.length < cachedLevels ? upper : deeper);
  const remember = (
    id: string,
    own: Bytes | undefined,
    slab: Slab | undefined,
    offset: number,
    length: number,
  ) => {
    const path = nodeIdPath(id);
    const version = nodeIdVersion(id);
    const tier = tierOf(path);
    const held = tier.get(path);
    if (held !== undefined) {
      // Only a newer version replaces a path's node.
      if (held.version > version) {
        return;
      }
      release(held);
      held.id = id;
      held.version = version;
      place(held, own, slab, offset, length);
      // The upper tier never evicts, so order there means nothing; in the deeper one,
      // re-inserting moves the path to the back, away from eviction.
      if (tier === deeper) {
        deeper.delete(path);
        deeper.set(path, held);
      }
      return;
    }
    if (tier === deeper && deeper.size >= deepEntries) {
      let evict = Math.max(1, deepEntries >> 3);
      for (const [oldest, entry] of deeper) {
        deeper.delete(oldest);
        release(entry);
        if (--evict === 0) {
          break;
        }
      }
    }
    const entry: CachedNode = {
      id,
      version,
      slab: undefined,
      offset: 0,
      length: 0,
      own: undefined,
    };
    place(entry, own, slab, offset, length);
    tier.set(path, entry);
  };
  /**
   * Moves the survivors of the emptiest slabs into one new slab until the superseded bytes
   * are within bounds. A block's slab empties at different speeds: its top levels are
   * rewritten by the next block, a fifth-level node may outlive hundreds of blocks, and
   * one survivor keeps the whole slab. Emptiest first frees the most per byte copied, and
   * only the survivors of the slabs freed are copied, never the whole cache at once.
   */
  const collect = () => {
    const budget = Math.max(garbageFloorBytes, liveBytes * GARBAGE_LIVE_SHARE);
    let garbage = slabTotals().superseded;
    if (garbage <= budget) {
      return;
    }
    const emptiest = [...slabs].sort((a, b) => a.live / a.data.length - b.live / b.data.length);
    const chosen: Slab[] = [];
    let moving = 0;
    for (const slab of emptiest) {
      if (garbage <= budget / 2) {
        break;
      }
      chosen.push(slab);
      garbage -= slab.data.length - slab.live;
      moving += slab.live;
    }
    const into = new Uint8Array(moving);
    const target: Slab = { live: 0, nodes: [], data: into };
    let offset = 0;
    for (const slab of chosen) {
      for (const held of slab.nodes) {
        if (held.slab === slab) {
          const { length } = held;
          into.set(bytesOf(held), offset);
          release(held);
          place(held, undefined, target, offset, length);
          offset += length;
        }
      }
      slabs.delete(slab);
    }
    if (moving > 0) {
      slabs.add(target);
    }
  };
  const nodes = {
    getNode(id: string): Bytes | undefined {
      const path = nodeIdPath(id);
      const held = tierOf(path).get(path);
      if (held?.id === id) {
        return bytesOf(held);
      }
      const loaded = store.treeNode(id);
      if (loaded !== undefined && loaded[0] === INTERNAL_TAG) {
        remember(id, loaded, undefined, 0, loaded.length);
      }
      return loaded;
    },
  };
  return {
    commit(version: number, writes: WriteSet) {
      const list: StateWrite[] = [];
      for (const [key, value] of writes) {
        list.push({ key, value });
      }
      const previousVersion = version === 0 ? null : version - 1;
      const result = applyWrites(crypto, nodes, { version, previousVersion, writes: list });
      return { root: result.root, nodes: result.newNodes };
    },
    persisted(written: ReadonlyArray<readonly [string, Bytes]>) {
      // Node bytes may be views into the block's scratch arena: keep copies, never those
      // views. One copy per block rather than per node: an ArrayBuffer per 200-byte node
      // cost more than the copying.
      let total = 0;
      for (const [, node] of written) {
        if (node[0] === INTERNAL_TAG) {
          total += node.length;
        }
      }
      const bytes = new Uint8Array(total);
      const slab: Slab = { live: 0, nodes: [], data: bytes };
      let offset = 0;
      for (const [id, node] of written) {
        if (node[0] === INTERNAL_TAG) {
          bytes.set(node, offset);
          remember(id, undefined, slab, offset, node.length);
          offset += node.length;
        }
      }
      if (total > 0) {
        slabs.add(slab);
        collect();
      }
    },
    cacheBytes() {
      const { bytes, superseded } = slabTotals();
      return { live: liveBytes, slabs: bytes, superseded };
    },
    prove(version: number, key: string) {
      return proveKey(crypto, nodes, version, key);
    },
    get(version: number, keyHash: Bytes) {
      return getValueByHash(nodes, version, keyHash);
    },
    forEachKeyHash(version: number, visit: (keyHash: Bytes) => void) {
      const direct = { getNode: (id: string) => store.treeNode(id) };
      return forEachLeaf(direct, version, (leaf) => visit(leafKeyHash(leaf)));
    },
  };
}
