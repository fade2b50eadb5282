/**
 * Measures the state tree's cost per write: hashing plus node encoding, and node bytes
 * written, for block batches of 1,000 and 10,000 writes into trees of 10k, 100k and 1M
 * keys, with libsodium and with the pure SHA-256. Numbers feed docs/spec/state.md.
 * Run: node --import tsx bench/state-tree.bench.ts
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import sodium from 'sodium-native';
import { sodiumCrypto } from '../src/node/crypto/sodium-crypto.js';
import { utf8 } from '../src/protocol/core/bytes.js';
import { type Crypto, pureCrypto } from '../src/protocol/core/crypto.js';
import { applyWrites } from '../src/protocol/state/apply-writes.js';
import { MemoryTreeNodeStore } from '../src/protocol/state/memory-tree-node-store.js';
import { proveKey } from '../src/protocol/state/prove-key.js';
import type { StateWrite } from '../src/protocol/state/types.js';

const TREE_SIZES = [10_000, 100_000, 1_000_000];
const BATCH_SIZES = [1_000, 10_000];
const BUILD_BATCH = 100_000;
/** Values the size of a typical record anchor: a 32-byte hash plus a little metadata. */
const VALUE_BYTES = 64;
/** Share of a measured batch that updates existing keys; the rest inserts new keys. */
const UPDATE_SHARE = 0.5;

/**
 * libsodium with hash outputs carved from a shared buffer. A fresh 32-byte Uint8Array per
 * hash lives on the JavaScript heap, and native code must move it off-heap before writing
 * to it; this variant shows what that costs the node's port.
 */
function pooledSodiumCrypto(): Crypto {
  const poolBytes = 32 * 2048;
  let pool = new Uint8Array(poolBytes);
  let offset = poolBytes;
  return {
    ...sodiumCrypto,
    name: 'sodium-pooled',
    sha256(data) {
      if (offset === poolBytes) {
        pool = new Uint8Array(poolBytes);
        offset = 0;
      }
      const out = pool.subarray(offset, offset + 32);
      offset += 32;
      sodium.crypto_hash_sha256(out, data);
      return out;
    },
  };
}

interface Row {
  crypto: string;
  treeKeys: number;
  batchWrites: number;
  microsecondsPerWrite: number;
  millisecondsPerBatch: number;
  nodeBytesPerWrite: number;
  nodesPerWrite: number;
  /** Time inside sha256 per batch, from a separate timed pass over the same batches. */
  hashMillisecondsPerBatch: number;
  proofBytes: number;
}

/** Wraps a Crypto to add up the time spent hashing. */
function timedCrypto(crypto: Crypto): { crypto: Crypto; elapsedMs: () => number } {
  let elapsedMs = 0;
  const timed: Crypto = {
    ...crypto,
    sha256(data) {
      const start = performance.now();
      const out = crypto.sha256(data);
      elapsedMs += performance.now() - start;
      return out;
    },
  };
  return { crypto: timed, elapsedMs: () => elapsedMs };
}

function value(seed: number): Uint8Array {
  const bytes = new Uint8Array(VALUE_BYTES);
  for (let i = 0; i < VALUE_BYTES; i += 4) {
    bytes[i] = seed & 255;
    bytes[i + 1] = (seed >> 8) & 255;
    bytes[i + 2] = (seed >> 16) & 255;
    bytes[i + 3] = i;
  }
  return bytes;
}

/** A deterministic batch: updates of existing keys spread over the tree, then new keys. */
function batchWrites(params: { treeKeys: number; writes: number; round: number }): StateWrite[] {
  const { treeKeys, writes, round } = params;
  const out: StateWrite[] = [];
  const updates = Math.floor(writes * UPDATE_SHARE);
  const stride = Math.max(1, Math.floor(treeKeys / updates));
  for (let i = 0; i < updates; i++) {
    const key = `record/${(i * stride + round * 7919) % treeKeys}`;
    out.push({ key, value: value(round * 1_000_003 + i) });
  }
  for (let i = updates; i < writes; i++) {
    out.push({ key: `new/${round}/${i}`, value: value(i) });
  }
  return out;
}

/** Grows the latest version to `keys` keys, forgetting stale nodes to bound memory. */
function grow(store: MemoryTreeNodeStore, state: { version: number; keys: number }, keys: number) {
  while (state.keys < keys) {
    const count = Math.min(BUILD_BATCH, keys - state.keys);
    const writes: StateWrite[] = [];
    for (let i = 0; i < count; i++) {
      const index = state.keys + i;
      writes.push({ key: `record/${index}`, value: value(index) });
    }
    const previousVersion = state.version < 0 ? null : state.version;
    const result = applyWrites(sodiumCrypto, store, {
      version: state.version + 1,
      previousVersion,
      writes,
    });
    store.save(result);
    store.deleteNodes(result.staleNodes);
    state.version += 1;
    state.keys += count;
  }
}

function measure(params: {
  crypto: Crypto;
  store: MemoryTreeNodeStore;
  version: number;
  treeKeys: number;
  batchWrites: number;
}): Row {
  const { crypto, store, version, treeKeys } = params;
  const rounds = params.batchWrites >= 10_000 ? 3 : 10;
  const batches = [];
  for (let round = 0; round <= rounds; round++) {
    batches.push(batchWrites({ treeKeys, writes: params.batchWrites, round }));
  }
  let elapsedMs = 0;
  let nodeBytes = 0;
  let nodes = 0;
  for (let round = 0; round <= rounds; round++) {
    const writes = batches[round]!;
    const start = performance.now();
    const result = applyWrites(crypto, store, {
      version: version + 1,
      previousVersion: version,
      writes,
    });
    const took = performance.now() - start;
    if (round === 0) {
      continue; // warm-up
    }
    elapsedMs += took;
    nodes += result.newNodes.length;
    for (const [, node] of result.newNodes) {
      nodeBytes += node.length;
    }
  }
  const timed = timedCrypto(crypto);
  for (let round = 1; round <= rounds; round++) {
    const writes = batches[round]!;
    applyWrites(timed.crypto, store, { version: version + 1, previousVersion: version, writes });
  }
  const writes = rounds * params.batchWrites;
  return {
    hashMillisecondsPerBatch: timed.elapsedMs() / rounds,
    crypto: crypto.name,
    treeKeys,
    batchWrites: params.batchWrites,
    microsecondsPerWrite: (elapsedMs * 1000) / writes,
    millisecondsPerBatch: elapsedMs / rounds,
    nodeBytesPerWrite: nodeBytes / writes,
    nodesPerWrite: nodes / writes,
    proofBytes: proofBytes(store, version),
  };
}

/** Average JSON size of a proof of a present key at this tree size. */
function proofBytes(store: MemoryTreeNodeStore, version: number): number {
  let total = 0;
  for (let i = 0; i < 100; i++) {
    const { proof } = proveKey(sodiumCrypto, store, version, `record/${i * 97}`);
    total += utf8(JSON.stringify(proof)).length;
  }
  return total / 100;
}

function printTable(rows: Row[]): void {
  const header = ['crypto', 'tree keys', 'batch', 'µs/write', 'ms/batch', 'hash ms/batch'];
  console.log([...header, 'bytes/write', 'nodes/write', 'proof bytes'].join('\t'));
  for (const row of rows) {
    const cells = [
      row.crypto,
      row.treeKeys.toLocaleString('en-US'),
      row.batchWrites.toLocaleString('en-US'),
      row.microsecondsPerWrite.toFixed(2),
      row.millisecondsPerBatch.toFixed(1),
      row.hashMillisecondsPerBatch.toFixed(1),
      row.nodeBytesPerWrite.toFixed(0),
      row.nodesPerWrite.toFixed(2),
      row.proofBytes.toFixed(0),
    ];
    console.log(cells.join('\t'));
  }
}

function main(): void {
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  console.log(`state tree bench: ${cpus().length} cores, ${cpu}, node ${process.version}`);
  console.log(`values ${VALUE_BYTES} bytes, ${UPDATE_SHARE * 100}% updates, rest inserts`);
  const store = new MemoryTreeNodeStore();
  const state = { version: -1, keys: 0 };
  const rows: Row[] = [];
  for (const treeKeys of TREE_SIZES) {
    const start = performance.now();
    grow(store, state, treeKeys);
    const buildSeconds = ((performance.now() - start) / 1000).toFixed(1);
    console.log(`built ${treeKeys} keys (+${buildSeconds} s), ${store.nodeCount} nodes`);
    for (const crypto of [sodiumCrypto, pooledSodiumCrypto(), pureCrypto]) {
      for (const batchWrites of BATCH_SIZES) {
        const row = measure({ crypto, store, version: state.version, treeKeys, batchWrites });
        rows.push(row);
      }
    }
  }
  printTable(rows);
}

main();
