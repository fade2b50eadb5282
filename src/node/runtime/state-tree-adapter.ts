/**
 * Adapts the protocol's versioned state tree to the node: tree nodes are read from the
 * ChainStore and new ones are handed back to be written in the block's one write batch.
 */
import type { WriteSet } from '../../protocol/contracts/engine/types.js';
import type { Bytes } from '../../protocol/core/bytes.js';
import type { Crypto } from '../../protocol/core/crypto.js';
import type { StateCommitment } from '../../protocol/ledger/build-block.js';
import { applyWrites } from '../../protocol/state/apply-writes.js';
import { INTERNAL_TAG, parseNodeId } from '../../protocol/state/node-codec.js';
import { proveKey } from '../../protocol/state/prove-key.js';
import type { StateProof, StateWrite } from '../../protocol/state/types.js';
import type { ChainStore } from '../storage/chain-store.js';

export interface NodeStateTree extends StateCommitment {
  /**
   * Tells the tree which nodes the store now holds. Only persisted nodes are cached: a
   * block built but never committed must leave no trace, since its node ids will be
   * reused by the block that does commit at that height.
   */
  persisted(nodes: ReadonlyArray<readonly [string, Bytes]>): void;
  prove(version: number, key: string): { value: Bytes | null; proof: StateProof };
}

/**
 * Recent internal tree nodes kept in memory: each block walks the paths the previous ones
 * wrote. Leaves are not kept: a leaf is read again only when a later write lands in its
 * slot, rarely soon, and leaves carry their values, so they would crowd out the internal
 * nodes every write needs.
 *
 * The cache holds one node per path, the newest: a block rewrites the nodes on the paths it
 * touches, and the versions it supersedes are read again only by proofs of old versions
 * (which go to the store). Keyed by node id, the superseded copies filled the cache, and
 * with a few hundred thousand keys a quarter of the internal nodes a block needed were
 * missing (0.23 store reads per transaction in the pipeline bench).
 */
const NODE_CACHE_ENTRIES = 65_536;

interface CachedNode {
  id: string;
  version: number;
  node: Bytes;
}

export function nodeStateTree(
  crypto: Crypto,
  store: Pick<ChainStore, 'treeNode'>,
  cacheEntries = NODE_CACHE_ENTRIES,
): NodeStateTree {
  const cache = new Map<string, CachedNode>();
  const remember = (id: string, node: Bytes) => {
    const { version, path } = parseNodeId(id);
    const held = cache.get(path);
    if (held !== undefined) {
      // Only a newer version replaces a path's node; re-inserting moves it to the back.
      if (held.version > version) {
        return;
      }
      cache.delete(path);
    } else if (cache.size >= cacheEntries) {
      let evict = Math.max(1, cacheEntries >> 3);
      for (const oldest of cache.keys()) {
        cache.delete(oldest);
        if (--evict === 0) {
          break;
        }
      }
    }
    cache.set(path, { id, version, node });
  };
  const nodes = {
    getNode(id: string): Bytes | undefined {
      const held = cache.get(parseNodeId(id).path);
      if (held?.id === id) {
        return held.node;
      }
      const loaded = store.treeNode(id);
      if (loaded !== undefined && loaded[0] === INTERNAL_TAG) {
        remember(id, loaded);
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
      // cost more than the copying. A slab is freed once every node in it has been evicted
      // or superseded; eviction goes oldest write first, so slabs live a few blocks (about
      // 12 MiB of slack in the pipeline bench after 100,000 registrations).
      let total = 0;
      for (const [, node] of written) {
        if (node[0] === INTERNAL_TAG) {
          total += node.length;
        }
      }
      const slab = new Uint8Array(total);
      let offset = 0;
      for (const [id, node] of written) {
        if (node[0] === INTERNAL_TAG) {
          slab.set(node, offset);
          remember(id, slab.subarray(offset, offset + node.length));
          offset += node.length;
        }
      }
    },
    prove(version: number, key: string) {
      return proveKey(crypto, nodes, version, key);
    },
  };
}
