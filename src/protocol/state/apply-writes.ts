/**
 * Applies one block's state writes to the tree as a single batch and returns the new root,
 * the nodes to save and the nodes the new version no longer reaches. Writes are sorted by
 * key hash so every touched node is visited, rewritten and hashed exactly once per batch.
 *
 * The tree shape is a function of the key set alone (docs/spec/state.md, "Shape"): a leaf
 * sits at the shortest nibble prefix of its key hash that no other key shares, so the root
 * does not depend on write order or on history.
 */
import { assert } from '../core/assert.js';
import { ByteArena } from '../core/byte-arena.js';
import { type Bytes, compareBytes, toHex, utf8 } from '../core/bytes.js';
import type { Crypto } from '../core/crypto.js';
import type { Hash } from '../core/hash.js';
import { ChildTable } from './child-table.js';
import { loadRoot } from './load-root.js';
import {
  DEPTH_MAX,
  EMPTY_NODE,
  EMPTY_ROOT_HASH,
  INTERNAL_TAG,
  LEAF_PREIMAGE_BYTES,
  LEAF_TAG,
  leafHash,
  leafKeyHash,
  NIBBLE_CHARS,
  nibbleAt,
  nodeHash,
  nodeId,
  popcount16,
  sameHash,
  VALUE_HASH_OFFSET,
  writeLeaf,
} from './node-codec.js';
import type {
  ApplyWritesParams,
  ApplyWritesResult,
  NodeId,
  StateWrite,
  TreeNodeStore,
} from './types.js';

/** A write after hashing: the leaf to place, or null to delete. */
interface Entry {
  keyHash: Bytes;
  /** First four key hash bytes, so most sort comparisons are one subtraction. */
  prefix: number;
  /** Position in the block's writes; among writes to one key the last one wins. */
  order: number;
  leaf: Bytes | null;
}

const UNCHANGED = 0;
const EMPTY = 1;
const LEAF = 2;
const INTERNAL = 3;

/** What a subtree became. A LEAF result is not saved yet: its parent decides where it sits. */
interface Subtree {
  kind: number;
  hash: Bytes;
  leaf: Bytes;
}

const UNCHANGED_SUBTREE: Subtree = { kind: UNCHANGED, hash: EMPTY_ROOT_HASH, leaf: EMPTY_NODE };
const EMPTY_SUBTREE: Subtree = { kind: EMPTY, hash: EMPTY_ROOT_HASH, leaf: EMPTY_NODE };

/** Scratch for one depth: the node being rebuilt and its children's unsaved leaves. */
interface Level {
  table: ChildTable;
  floating: Array<Bytes | null>;
}

class Batch {
  readonly newNodes: Array<[NodeId, Bytes]> = [];
  readonly staleNodes: NodeId[] = [];
  readonly arena = new ByteArena();
  private readonly levels: Level[] = [];

  constructor(
    readonly crypto: Crypto,
    readonly store: TreeNodeStore,
    readonly version: number,
  ) {}

  level(depth: number): Level {
    assert(depth < DEPTH_MAX, 'state tree: path deeper than the key hash');
    let level = this.levels[depth];
    if (level === undefined) {
      level = { table: new ChildTable(), floating: new Array<Bytes | null>(16).fill(null) };
      this.levels[depth] = level;
    }
    return level;
  }

  load(id: NodeId): Bytes {
    const node = this.store.getNode(id);
    assert(node !== undefined, 'state tree: node missing from store');
    return node;
  }

  save(path: string, node: Bytes): void {
    this.newNodes.push([nodeId(this.version, path), node]);
  }
}

export function applyWrites(
  crypto: Crypto,
  store: TreeNodeStore,
  params: ApplyWritesParams,
): ApplyWritesResult {
  const { version, previousVersion } = params;
  assert(Number.isSafeInteger(version) && version >= 0, 'state tree: bad version');
  assert(previousVersion === null || previousVersion < version, 'state tree: version not new');
  const batch = new Batch(crypto, store, version);
  const entries = prepareEntries(batch, params.writes);
  const oldRoot = previousVersion === null ? EMPTY_NODE : loadRoot(store, previousVersion);
  const subtree =
    oldRoot[0] === INTERNAL_TAG
      ? updateInternal(batch, 0, '', oldRoot, entries, 0, entries.length)
      : updateSlot(batch, 0, '', oldRoot, entries, 0, entries.length);
  if (previousVersion !== null) {
    // Every version owns its root node, so the previous one is stale even when unchanged.
    batch.staleNodes.push(nodeId(previousVersion, ''));
  }
  let rootHash: Bytes;
  if (subtree.kind === UNCHANGED) {
    batch.save('', oldRoot);
    rootHash = nodeHash(crypto, oldRoot);
  } else if (subtree.kind === EMPTY) {
    batch.save('', EMPTY_NODE);
    rootHash = EMPTY_ROOT_HASH;
  } else {
    if (subtree.kind === LEAF) {
      batch.save('', subtree.leaf);
    }
    rootHash = subtree.hash;
  }
  assert(batch.newNodes.length > 0, 'state tree: every version saves a root');
  return { root: toHex(rootHash) as Hash, newNodes: batch.newNodes, staleNodes: batch.staleNodes };
}

/**
 * Hashes keys and values and sorts by key hash. Keys are compared as UTF-8 bytes (two
 * strings can share them, e.g. a lone surrogate and U+FFFD), and the last write wins.
 */
function prepareEntries(batch: Batch, writes: readonly StateWrite[]): Entry[] {
  const { crypto, arena } = batch;
  const entries: Entry[] = [];
  for (let order = 0; order < writes.length; order++) {
    const { key, value } = writes[order]!;
    const keyHash = crypto.sha256(keyBytes(arena, key));
    const prefix = keyHash[0]! * 0x1000000 + (keyHash[1]! << 16) + (keyHash[2]! << 8);
    let leaf: Bytes | null = null;
    if (value !== null) {
      leaf = arena.allocate(LEAF_PREIMAGE_BYTES + value.length);
      writeLeaf(crypto, leaf, keyHash, value);
    }
    entries.push({ keyHash, prefix: prefix + keyHash[3]!, order, leaf });
  }
  entries.sort(
    (a, b) => a.prefix - b.prefix || compareBytes(a.keyHash, b.keyHash) || a.order - b.order,
  );
  let kept = 0;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    const next = entries[i + 1];
    if (next === undefined || compareBytes(entry.keyHash, next.keyHash) !== 0) {
      entries[kept++] = entry;
    }
  }
  entries.length = kept;
  return entries;
}

/** UTF-8 bytes of a key in arena memory; keys are nearly always ASCII, so that path is inline. */
function keyBytes(arena: ByteArena, key: string): Bytes {
  const bytes = arena.allocate(key.length);
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    if (code >= 0x80) {
      return utf8(key);
    }
    bytes[i] = code;
  }
  return bytes;
}

/** Rewrites an internal node with the entries [start, end), which all lie under it. */
function updateInternal(
  batch: Batch,
  depth: number,
  path: string,
  old: Bytes,
  entries: Entry[],
  start: number,
  end: number,
): Subtree {
  const { table, floating } = batch.level(depth);
  table.decode(old);
  let changed = false;
  let i = start;
  while (i < end) {
    const nibble = nibbleAt(entries[i]!.keyHash, depth);
    let j = i + 1;
    while (j < end && nibbleAt(entries[j]!.keyHash, depth) === nibble) {
      j++;
    }
    const childPath = path + NIBBLE_CHARS[nibble]!;
    const present = (table.mask & (1 << nibble)) !== 0;
    const child = present ? batch.load(nodeId(table.versions[nibble]!, childPath)) : undefined;
    const subtree =
      child !== undefined && child[0] === INTERNAL_TAG
        ? updateInternal(batch, depth + 1, childPath, child, entries, i, j)
        : updateSlot(batch, depth + 1, childPath, child, entries, i, j);
    if (subtree.kind !== UNCHANGED) {
      changed = true;
      if (present) {
        batch.staleNodes.push(nodeId(table.versions[nibble]!, childPath));
      }
      if (subtree.kind === EMPTY) {
        table.clear(nibble);
      } else {
        const isLeaf = subtree.kind === LEAF;
        table.set(nibble, { hash: subtree.hash, version: batch.version, isLeaf });
        floating[nibble] = isLeaf ? subtree.leaf : null;
      }
    }
    i = j;
  }
  return changed ? finishInternal(batch, path, depth) : UNCHANGED_SUBTREE;
}

/** Saves a rewritten internal node, or collapses it when it no longer needs to exist. */
function finishInternal(batch: Batch, path: string, depth: number): Subtree {
  const { table, floating } = batch.level(depth);
  const childCount = popcount16(table.mask);
  if (childCount === 0) {
    return EMPTY_SUBTREE;
  }
  if (childCount === 1 && table.leafMask === table.mask) {
    // A lone leaf moves up to its shortest unique prefix, which keeps the shape canonical.
    const nibble = 31 - Math.clz32(table.mask);
    let leaf = floating[nibble] ?? null;
    floating[nibble] = null;
    if (leaf === null) {
      const id = nodeId(table.versions[nibble]!, path + NIBBLE_CHARS[nibble]!);
      leaf = batch.load(id);
      batch.staleNodes.push(id);
    }
    const offset = table.offsets[nibble]!;
    return { kind: LEAF, hash: table.sources[nibble]!.subarray(offset, offset + 32), leaf };
  }
  for (let nibble = 0; nibble < 16; nibble++) {
    const leaf = floating[nibble];
    if (leaf !== null && leaf !== undefined) {
      batch.save(path + NIBBLE_CHARS[nibble]!, leaf);
      floating[nibble] = null;
    }
  }
  const node = table.encode(batch.arena);
  batch.save(path, node);
  return { kind: INTERNAL, hash: nodeHash(batch.crypto, node), leaf: EMPTY_NODE };
}

/**
 * Updates a slot that holds a leaf or nothing: the surviving old leaf and the new leaves
 * are rebuilt into a fresh subtree. `old` is undefined (or the empty node) for an empty slot.
 */
function updateSlot(
  batch: Batch,
  depth: number,
  path: string,
  old: Bytes | undefined,
  entries: Entry[],
  start: number,
  end: number,
): Subtree {
  const oldLeaf = old !== undefined && old[0] === LEAF_TAG ? old : undefined;
  const survivors: Entry[] = [];
  let overriding: Entry | undefined;
  for (let i = start; i < end; i++) {
    const entry = entries[i]!;
    if (oldLeaf !== undefined && sameHash(entry.keyHash, 0, oldLeaf, 1)) {
      overriding = entry;
    }
    if (entry.leaf !== null) {
      survivors.push(entry);
    }
  }
  if (oldLeaf !== undefined && overriding === undefined) {
    if (survivors.length === 0) {
      return UNCHANGED_SUBTREE;
    }
    insertSorted(survivors, { keyHash: leafKeyHash(oldLeaf), prefix: 0, order: 0, leaf: oldLeaf });
  } else if (oldLeaf !== undefined && survivors.length === 1) {
    // Rewriting a leaf with its own value leaves it where it is.
    const leaf = overriding!.leaf;
    if (leaf !== null && sameHash(leaf, VALUE_HASH_OFFSET, oldLeaf, VALUE_HASH_OFFSET)) {
      return UNCHANGED_SUBTREE;
    }
  } else if (oldLeaf === undefined && survivors.length === 0) {
    return UNCHANGED_SUBTREE;
  }
  return buildSubtree(batch, depth, path, survivors, 0, survivors.length);
}

function insertSorted(entries: Entry[], entry: Entry): void {
  let i = entries.length;
  entries.push(entry);
  while (i > 0 && compareBytes(entries[i - 1]!.keyHash, entry.keyHash) > 0) {
    entries[i] = entries[i - 1]!;
    i--;
  }
  entries[i] = entry;
}

/** Builds a subtree from scratch over sorted, distinct leaves [start, end). */
function buildSubtree(
  batch: Batch,
  depth: number,
  path: string,
  leaves: Entry[],
  start: number,
  end: number,
): Subtree {
  if (end === start) {
    return EMPTY_SUBTREE;
  }
  if (end - start === 1) {
    const leaf = leaves[start]!.leaf!;
    return { kind: LEAF, hash: leafHash(batch.crypto, leaf), leaf };
  }
  const { table } = batch.level(depth);
  table.mask = 0;
  table.leafMask = 0;
  let i = start;
  while (i < end) {
    const nibble = nibbleAt(leaves[i]!.keyHash, depth);
    let j = i + 1;
    while (j < end && nibbleAt(leaves[j]!.keyHash, depth) === nibble) {
      j++;
    }
    const childPath = path + NIBBLE_CHARS[nibble]!;
    const child = buildSubtree(batch, depth + 1, childPath, leaves, i, j);
    if (child.kind === LEAF) {
      batch.save(childPath, child.leaf);
    }
    table.set(nibble, { hash: child.hash, version: batch.version, isLeaf: child.kind === LEAF });
    i = j;
  }
  const node = table.encode(batch.arena);
  batch.save(path, node);
  return { kind: INTERNAL, hash: nodeHash(batch.crypto, node), leaf: EMPTY_NODE };
}
