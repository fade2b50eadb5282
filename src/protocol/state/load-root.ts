/** Finds the root node of a kept tree version; shared by writes, reads and proofs. */
import type { Bytes } from '../core/bytes.js';
import { nodeId } from './node-codec.js';
import { StateTreeError, type StateVersion, type TreeNodeStore } from './types.js';

export function loadRoot(store: TreeNodeStore, version: StateVersion): Bytes {
  const root = store.getNode(nodeId(version, ''));
  if (root === undefined) {
    throw new StateTreeError('state_version_missing', version);
  }
  return root;
}
