/**
 * Adapts the protocol's versioned state tree to the node: tree nodes are read from the
 * ChainStore and new ones are handed back to be written in the block's one write batch.
 */
import type { WriteSet } from '../../protocol/contracts/engine/types.js';
import type { Bytes } from '../../protocol/core/bytes.js';
import type { Crypto } from '../../protocol/core/crypto.js';
import type { StateCommitment } from '../../protocol/ledger/build-block.js';
import { applyWrites } from '../../protocol/state/apply-writes.js';
import { proveKey } from '../../protocol/state/prove-key.js';
import type { StateProof, StateWrite } from '../../protocol/state/types.js';
import type { ChainStore } from '../storage/chain-store.js';

export interface NodeStateTree extends StateCommitment {
  prove(version: number, key: string): { value: Bytes | null; proof: StateProof };
}

export function nodeStateTree(crypto: Crypto, store: ChainStore): NodeStateTree {
  const nodes = { getNode: (id: string) => store.treeNode(id) };
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
    prove(version: number, key: string) {
      return proveKey(crypto, nodes, version, key);
    },
  };
}
