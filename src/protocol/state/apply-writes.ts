/**
 * Applies one block's state writes to the tree as a single batch and returns the new root,
 * the nodes to save and the nodes the new version no longer reaches. Writes are sorted by
 * key hash so every touched node is visited, rewritten and hashed exactly once per batch.
 *
 * The tree shape is a function of the key set alone (docs/spec/state.md, "Shape"): a leaf
 * sits at the shortest nibble prefix of its key hash that no other key shares, so the root
 * does not depend on write order or on history.
 *
 * A leaf that a write moves to another slot (a new key landing beside it, or a sibling
 * deleted) keeps the row it was written in: its parent records where that row is (depth
 * and key-hash prefix, child-table.ts). So a new key beside an existing leaf is placed
 * without reading that leaf, unless the two keys share the recorded 64-bit prefix.
 */
import { assert } from '../core/assert.js';
import { ByteArena } from '../core/byte-arena.js';
import { type Bytes, compareBytes, toHex, utf8 } from '../core/bytes.js';
import type { Crypto } from '../core/crypto.js';
import type { Hash } from '../core/hash.js';
import { ChildTable, type LeafLocation, UNKNOWN_LOCATION } from './child-table.js';
import { loadRoot } from './load-root.js';
import {
  DEPTH_MAX,
  EMPTY_NODE,
  EMPTY_ROOT_HASH,
  HASH_BYTES,
  INTERNAL_TAG,
  LEAF_PREFIX_BYTES,
  LEAF_PREFIX_NIBBLES,
  LEAF_PREIMAGE_BYTES,
  LEAF_TAG,
  leafHash,
  leafKeyHash,
  leafRowId,
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
  StateVersion,
  StateWrite,
  TreeNodeStore,
} from './types.js';

/** An existing leaf that stays where it was written while its slot changes. */
interface KeptLeaf {
  version: StateVersion;
  location: LeafLocation;
  hash: Bytes;
}

/**
 * A write after hashing: the leaf to place, or null to delete; or, while a slot is
 * rebuilt, the slot's existing leaf (`kept`), whose key hash may be known only as far as
 * its recorded prefix (the rest zero), which is as far as any rebuild needs to look.
 */
interface Entry {
  keyHash: Bytes;
  /** First four key hash bytes, so most sort comparisons are one subtraction. */
  prefix: number;
  /** Position in the block's writes; among writes to one key the last one wins. */
  order: number;
  leaf: Bytes | null;
  kept: KeptLeaf | undefined;
}

/** A slot's existing leaf: its row, and its bytes when they have been read. */
interface OldLeaf extends KeptLeaf {
  bytes: Bytes | undefined;
}

const UNCHANGED = 0;
const EMPTY = 1;
const LEAF = 2;
const INTERNAL = 3;

/**
 * What a subtree became. A new LEAF result is not saved yet: its parent decides where it
 * sits. A kept one is not saved at all: its parent records where its row is.
 */
interface Subtree {
  kind: number;
  hash: Bytes;
  leaf: Bytes;
  kept: KeptLeaf | undefined;
}

const UNCHANGED_SUBTREE: Subtree = {
  kind: UNCHANGED,
  hash: EMPTY_ROOT_HASH,
  leaf: EMPTY_NODE,
  kept: undefined,
};
const EMPTY_SUBTREE: Subtree = {
  kind: EMPTY,
  hash: EMPTY_ROOT_HASH,
  leaf: EMPTY_NODE,
  kept: undefined,
};

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

  /**
   * Sets a LEAF subtree as the child at `nibble` of the node at `depth`. The caller saves
   * a new leaf at the child's slot, depth + 1 nibbles deep; a kept one stays in its row.
   */
  setLeaf(depth: number, nibble: number, subtree: Subtree): void {
    const { table } = this.level(depth);
    const kept = subtree.kept;
    if (kept !== undefined) {
      table.set(nibble, { hash: subtree.hash, version: kept.version, isLeaf: true }, kept.location);
      return;
    }
    const location =
      depth + 1 <= LEAF_PREFIX_NIBBLES
        ? { depth: depth + 1, prefix: subtree.leaf, offset: 1 }
        : UNKNOWN_LOCATION;
    table.set(nibble, { hash: subtree.hash, version: this.version, isLeaf: true }, location);
  }
}

/** The store id of an existing leaf whose slot is `path`. */
function rowId(old: KeptLeaf, path: string): NodeId {
  const { depth, prefix, offset } = old.location;
  return leafRowId(old.version, depth, prefix, offset, path);
}

/** The existing leaf in slot `nibble` of a decoded table, not yet read. */
function oldLeafAt(table: ChildTable, nibble: number): OldLeaf {
  const offset = table.offsets[nibble]!;
  return {
    version: table.versions[nibble]!,
    location: table.location(nibble),
    hash: table.sources[nibble]!.subarray(offset, offset + HASH_BYTES),
    bytes: undefined,
  };
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
  // A root leaf is never kept in place: every version writes its own root.
  const rootLeaf: OldLeaf | undefined =
    oldRoot[0] === LEAF_TAG
      ? {
          version: previousVersion ?? 0,
          location: UNKNOWN_LOCATION,
          hash: leafHash(crypto, oldRoot),
          bytes: oldRoot,
        }
      : undefined;
  const subtree =
    oldRoot[0] === INTERNAL_TAG
      ? updateInternal(batch, 0, '', oldRoot, entries, 0, entries.length)
      : updateSlot(batch, 0, '', rootLeaf, entries, 0, entries.length);
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
      const kept = subtree.kept;
      if (kept === undefined) {
        batch.save('', subtree.leaf);
      } else {
        // The last key left moves to the root, which must be this version's own node.
        const id = rowId(kept, '');
        batch.save('', batch.load(id));
        batch.staleNodes.push(id);
      }
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
    entries.push({ keyHash, prefix: prefix + keyHash[3]!, order, leaf, kept: undefined });
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
    const bit = 1 << nibble;
    const present = (table.mask & bit) !== 0;
    const isLeaf = (table.leafMask & bit) !== 0;
    let subtree: Subtree;
    if (present && !isLeaf) {
      const child = batch.load(nodeId(table.versions[nibble]!, childPath));
      assert(child[0] === INTERNAL_TAG, 'state tree: leaf mask disagrees with child');
      subtree = updateInternal(batch, depth + 1, childPath, child, entries, i, j);
      if (subtree.kind !== UNCHANGED) {
        batch.staleNodes.push(nodeId(table.versions[nibble]!, childPath));
      }
    } else {
      // Read from the table before recursing, which reuses deeper levels' tables only.
      const old = present ? oldLeafAt(table, nibble) : undefined;
      subtree = updateSlot(batch, depth + 1, childPath, old, entries, i, j);
    }
    if (subtree.kind !== UNCHANGED) {
      changed = true;
      if (subtree.kind === EMPTY) {
        table.clear(nibble);
        floating[nibble] = null;
      } else if (subtree.kind === LEAF) {
        batch.setLeaf(depth, nibble, subtree);
        floating[nibble] = subtree.kept === undefined ? subtree.leaf : null;
      } else {
        table.set(nibble, { hash: subtree.hash, version: batch.version, isLeaf: false });
        floating[nibble] = null;
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
    const leaf = floating[nibble] ?? null;
    floating[nibble] = null;
    const old = oldLeafAt(table, nibble);
    if (leaf !== null) {
      return { kind: LEAF, hash: old.hash, leaf, kept: undefined };
    }
    // An existing leaf moves up and keeps its row; one in an unrecorded row is read first.
    return keptSubtree(batch, old, path + NIBBLE_CHARS[nibble]!);
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
  return { kind: INTERNAL, hash: nodeHash(batch.crypto, node), leaf: EMPTY_NODE, kept: undefined };
}

/**
 * Updates a slot that holds a leaf or nothing: the surviving old leaf and the new leaves
 * are rebuilt into a fresh subtree. `old` is undefined for an empty slot. The old leaf is
 * read only when a write may be to its own key (the recorded prefixes match) or when its
 * parent recorded nothing about it.
 */
function updateSlot(
  batch: Batch,
  depth: number,
  path: string,
  old: OldLeaf | undefined,
  entries: Entry[],
  start: number,
  end: number,
): Subtree {
  if (old !== undefined && old.bytes === undefined) {
    const { location } = old;
    let read = location.depth === 0;
    for (let i = start; i < end && !read; i++) {
      read = samePrefix(entries[i]!.keyHash, location.prefix, location.offset);
    }
    if (read) {
      old.bytes = batch.load(rowId(old, path));
      assert(old.bytes[0] === LEAF_TAG, 'state tree: leaf mask disagrees with child');
    }
  }
  const oldLeaf = old?.bytes;
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
  if (old !== undefined && overriding === undefined) {
    if (survivors.length === 0) {
      return UNCHANGED_SUBTREE;
    }
    insertSorted(survivors, keptEntry(batch, old, path));
  } else if (old !== undefined && survivors.length === 1) {
    // Rewriting a leaf with its own value leaves it where it is.
    const leaf = overriding!.leaf;
    if (leaf !== null && sameHash(leaf, VALUE_HASH_OFFSET, oldLeaf!, VALUE_HASH_OFFSET)) {
      return UNCHANGED_SUBTREE;
    }
  } else if (old === undefined && survivors.length === 0) {
    return UNCHANGED_SUBTREE;
  }
  // The old leaf's key was written or deleted: its row is no longer reached. A root's own
  // row is marked stale by applyWrites.
  if (overriding !== undefined && path !== '') {
    batch.staleNodes.push(rowId(old!, path));
  }
  return buildSubtree(batch, depth, path, survivors, 0, survivors.length);
}

/** Whether a key hash starts with the LEAF_PREFIX_BYTES at prefix[offset]. */
function samePrefix(keyHash: Bytes, prefix: Bytes, offset: number): boolean {
  for (let i = 0; i < LEAF_PREFIX_BYTES; i++) {
    if (keyHash[i] !== prefix[offset + i]) {
      return false;
    }
  }
  return true;
}

/** Where an existing leaf's row is, when it can be recorded; undefined when it cannot. */
function keptLocation(old: OldLeaf, path: string): LeafLocation | undefined {
  if (old.location.depth > 0) {
    return old.location;
  }
  // Unrecorded: the row is at the slot, and the leaf has been read.
  const depth = path.length;
  return depth >= 1 && depth <= LEAF_PREFIX_NIBBLES && old.bytes !== undefined
    ? { depth, prefix: old.bytes, offset: 1 }
    : undefined;
}

/**
 * The slot's old leaf as an entry of the rebuild. Kept in its row when that can be
 * recorded; otherwise (a root leaf, or a row deeper than a prefix spells) it is written
 * again at its new slot, and its old row is stale.
 */
function keptEntry(batch: Batch, old: OldLeaf, path: string): Entry {
  const location = keptLocation(old, path);
  if (location === undefined) {
    const bytes = old.bytes!;
    if (path !== '') {
      batch.staleNodes.push(rowId(old, path));
    }
    return { keyHash: leafKeyHash(bytes), prefix: 0, order: 0, leaf: bytes, kept: undefined };
  }
  let keyHash: Bytes;
  if (old.bytes !== undefined) {
    keyHash = leafKeyHash(old.bytes);
  } else {
    // No write shares its 64-bit prefix (updateSlot checked), so the rebuild never looks
    // past it: zeros stand in for the rest.
    keyHash = batch.arena.allocate(HASH_BYTES);
    keyHash.fill(0);
    keyHash.set(location.prefix.subarray(location.offset, location.offset + LEAF_PREFIX_BYTES));
  }
  const kept = { version: old.version, location, hash: old.hash };
  return { keyHash, prefix: 0, order: 0, leaf: null, kept };
}

/** A LEAF subtree for an existing leaf that moves up after its siblings went away. */
function keptSubtree(batch: Batch, old: OldLeaf, path: string): Subtree {
  if (old.location.depth === 0) {
    old.bytes = batch.load(rowId(old, path));
  }
  const entry = keptEntry(batch, old, path);
  return entry.kept !== undefined
    ? { kind: LEAF, hash: old.hash, leaf: EMPTY_NODE, kept: entry.kept }
    : { kind: LEAF, hash: old.hash, leaf: entry.leaf!, kept: undefined };
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
    const entry = leaves[start]!;
    if (entry.kept !== undefined) {
      return { kind: LEAF, hash: entry.kept.hash, leaf: EMPTY_NODE, kept: entry.kept };
    }
    const leaf = entry.leaf!;
    return { kind: LEAF, hash: leafHash(batch.crypto, leaf), leaf, kept: undefined };
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
      batch.setLeaf(depth, nibble, child);
      if (child.kept === undefined) {
        batch.save(childPath, child.leaf);
      }
    } else {
      table.set(nibble, { hash: child.hash, version: batch.version, isLeaf: false });
    }
    i = j;
  }
  const node = table.encode(batch.arena);
  batch.save(path, node);
  return { kind: INTERNAL, hash: nodeHash(batch.crypto, node), leaf: EMPTY_NODE, kept: undefined };
}
