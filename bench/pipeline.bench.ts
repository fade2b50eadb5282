/**
 * Where a single validator's time per transaction goes, in one process without HTTP or
 * consensus: JSON parsing of the submitted batch, admission (decode, hash, engine checks,
 * mempool), execution with the state tree (proposeBlock) and the store's write batch
 * (commit). Signatures are taken as verified: their cost is measured by the suite's
 * signature round. Run with --cpu-prof to see inside a phase.
 *
 * Blocks are signed one at a time, outside the timed phases, so a run can be as long as the
 * disk allows: `--transactions 10000000 --segment 1000000` shows the commit cost over the
 * first and the tenth million transactions (docs/BENCHMARKS.md, "Ten million
 * transactions").
 *
 * Run: node --import tsx bench/pipeline.bench.ts [--blocks 20 | --transactions N]
 *      [--block-size 5000] [--segment N] [--memory]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import sodium from 'sodium-native';
import { sodiumCrypto, sodiumSigner } from '../src/node/crypto/index.js';
import { createEngine } from '../src/node/runtime/engine.js';
import { silentLogger } from '../src/node/runtime/logger.js';
import { MedchainNode } from '../src/node/runtime/medchain-node.js';
import { ensureGenesis } from '../src/node/runtime/open-node.js';
import { nodeStateTree } from '../src/node/runtime/state-tree-adapter.js';
import type { VerifierPool } from '../src/node/runtime/verifier-pool.js';
import type { ChainStore } from '../src/node/storage/chain-store.js';
import { MemoryChainStore } from '../src/node/storage/memory-chain-store.js';
import { SqliteChainStore } from '../src/node/storage/sqlite-chain-store.js';
import { toHex } from '../src/protocol/core/bytes.js';
import { createDemoGenesis } from '../src/protocol/genesis/demo.js';
import { derivedBytes, registrationWorkload } from '../src/testing/workload.js';

const { values } = parseArgs({
  options: {
    blocks: { type: 'string', default: '20' },
    transactions: { type: 'string' },
    'block-size': { type: 'string', default: '5000' },
    segment: { type: 'string' },
    memory: { type: 'boolean', default: false },
  },
});
const blockSize = Number(values['block-size']);
const ADMINS = 4;
if (!Number.isSafeInteger(blockSize) || blockSize <= 0 || blockSize % ADMINS !== 0) {
  throw new Error(`--block-size: expected a positive multiple of ${ADMINS}, got ${blockSize}`);
}
const blocks =
  values.transactions === undefined
    ? Number(values.blocks)
    : Math.ceil(Number(values.transactions) / blockSize);
if (!Number.isSafeInteger(blocks) || blocks <= 0) {
  throw new Error('--blocks or --transactions: expected a positive number');
}
/** Blocks per reported segment: the whole run unless --segment asks for more rows. */
const segmentBlocks =
  values.segment === undefined
    ? blocks
    : Math.max(1, Math.round(Number(values.segment) / blockSize));
if (!Number.isSafeInteger(segmentBlocks)) {
  throw new Error('--segment: expected a number of transactions');
}
const CHAIN_ID = 'medchain-pipeline';

const signer = (label: string) => sodiumSigner(derivedBytes('pipeline', label));
const admins = ['hospital', 'clinic', 'payer', 'pharmacy'].map((name) => signer(`${name}-admin`));
const validator = signer('validator');
const validatorKey = toHex(validator.publicKey);
const [hospital, clinic, payer, pharmacy] = admins.map((admin) => ({
  adminKey: toHex(admin!.publicKey),
  validatorKey,
}));
const genesis = createDemoGenesis({
  chainId: CHAIN_ID,
  genesisTime: 1_700_000_000_000,
  keys: { hospital: hospital!, clinic: clinic!, payer: payer!, pharmacy: pharmacy! },
});
for (const organization of genesis.organizations.slice(1)) {
  delete (organization as { validatorKey?: string }).validatorKey;
}

const dir = mkdtempSync(join(tmpdir(), 'medchain-pipeline-'));
const store: ChainStore = values.memory
  ? new MemoryChainStore()
  : new SqliteChainStore({ path: join(dir, 'chain.db'), backgroundCheckpoints: true });
const crypto = sodiumCrypto;
const engine = createEngine(crypto);
ensureGenesis({ store, crypto, engine }, genesis);
let now = genesis.genesisTime;
/** Tree-node reads that reach the store: what the node cache misses as the state grows. */
let storeReads = 0;
const countedReads: Pick<ChainStore, 'treeNode'> = {
  treeNode: (id) => {
    storeReads++;
    return store.treeNode(id);
  },
};
const alwaysValid = {
  verify: () => Promise.resolve(true),
  verifyThen: (_check: unknown, done: (valid: boolean) => void) => queueMicrotask(() => done(true)),
} as unknown as VerifierPool;
const node = new MedchainNode(
  { chainId: CHAIN_ID, blockTransactionsMax: blockSize, mempoolCapacity: blockSize * 2 },
  {
    store,
    crypto,
    engine,
    tree: nodeStateTree(crypto, countedReads),
    validator,
    clock: { nowMs: () => now },
    logger: silentLogger,
    verifier: alwaysValid,
  },
);

const scratchSecret = new Uint8Array(64);
function derivePublicKey(seed: Uint8Array): Uint8Array {
  const publicKey = new Uint8Array(32);
  sodium.crypto_sign_seed_keypair(publicKey, scratchSecret, seed);
  return publicKey;
}

/**
 * One block's submission body. Each admin registers members with its own nonce sequence,
 * as the suite's rounds do: transaction n of the run is admin n mod 4's (n div 4)th.
 */
function blockBody(block: number): string {
  const share = blockSize / ADMINS;
  const streams = admins.map((admin, index) =>
    registrationWorkload({
      chainId: CHAIN_ID,
      admin: admin!,
      startNonce: block * share,
      firstIndex: block * share,
      count: share,
      seed: `pipeline-${index}`,
      derivePublicKey,
    }),
  );
  const batch = [];
  for (let i = 0; i < share; i++) {
    for (const stream of streams) {
      batch.push(stream[i]!);
    }
  }
  return JSON.stringify(batch);
}

// CPU time rather than wall time: the figures stay comparable on a busy machine.
const cpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};
type Phases = { parse: number; admit: number; propose: number; commit: number };
const zero = (): Phases => ({ parse: 0, admit: 0, propose: 0, commit: 0 });
const sum = (phases: Phases) => phases.parse + phases.admit + phases.propose + phases.commit;
const total = zero();
let segment = zero();
let segmentWallMs = 0;
let totalWallMs = 0;
let segmentCommitted = 0;
let committed = 0;
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const storeMiB = () => {
  if (values.memory) {
    return '-';
  }
  const size = (name: string) => {
    try {
      return statSync(join(dir, name)).size;
    } catch {
      return 0;
    }
  };
  return mib(size('chain.db') + size('chain.db-wal'));
};
const segmented = segmentBlocks < blocks;
if (segmented) {
  console.log(
    '| Transactions | parse | admit | propose | commit | CPU µs/tx | tx/s (CPU) | ' +
      'tx/s (wall) | store reads per tx | RSS MiB | heap MiB | store MiB |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
}
const perTx = (ms: number, count: number) => ((ms * 1000) / count).toFixed(1);
const rate = (count: number, ms: number) => Math.round(count / (ms / 1000));
for (let block = 0; block < blocks; block++) {
  const body = blockBody(block);
  const wallStarted = performance.now();
  let mark = cpuMs();
  const submitted = JSON.parse(body) as unknown[];
  segment.parse += cpuMs() - mark;
  mark = cpuMs();
  const results = await Promise.all(submitted.map((value) => node.submitAsync(value)));
  segment.admit += cpuMs() - mark;
  const refused = results.find((result) => !result.ok);
  if (refused !== undefined) {
    throw new Error(`admission refused: ${JSON.stringify(refused)}`);
  }
  now += 1000;
  mark = cpuMs();
  const { hash, block: proposed } = node.proposeBlock();
  segment.propose += cpuMs() - mark;
  mark = cpuMs();
  const result = node.commitDecided(proposed.header.height, proposed, hash, {
    height: proposed.header.height,
    round: 0,
    blockHash: hash,
    signatures: [],
  });
  segment.commit += cpuMs() - mark;
  segmentWallMs += performance.now() - wallStarted;
  segmentCommitted += result.transactionCount;
  if ((block + 1) % segmentBlocks === 0 || block + 1 === blocks) {
    committed += segmentCommitted;
    totalWallMs += segmentWallMs;
    for (const phase of Object.keys(total) as (keyof Phases)[]) {
      total[phase] += segment[phase];
    }
    if (segmented) {
      const memory = process.memoryUsage();
      const cpu = sum(segment);
      console.log(
        `| ${committed.toLocaleString('en-US')} | ${perTx(segment.parse, segmentCommitted)} | ` +
          `${perTx(segment.admit, segmentCommitted)} | ` +
          `${perTx(segment.propose, segmentCommitted)} | ` +
          `${perTx(segment.commit, segmentCommitted)} | ${perTx(cpu, segmentCommitted)} | ` +
          `${rate(segmentCommitted, cpu)} | ${rate(segmentCommitted, segmentWallMs)} | ` +
          `${(storeReads / segmentCommitted).toFixed(2)} | ${mib(memory.rss)} | ` +
          `${mib(memory.heapUsed)} | ${storeMiB()} |`,
      );
    }
    segment = zero();
    storeReads = 0;
    segmentWallMs = 0;
    segmentCommitted = 0;
  }
}
const totalMs = sum(total);
console.log(
  `${committed} tx in ${blocks} blocks of ${blockSize} (${values.memory ? 'memory' : 'sqlite'})`,
);
for (const [name, ms] of Object.entries(total)) {
  console.log(`  ${name.padEnd(8)} ${perTx(ms, committed).padStart(7)} µs/tx`);
}
console.log(
  `  total    ${perTx(totalMs, committed).padStart(7)} µs/tx of CPU → ${rate(committed, totalMs)} tx/s`,
);
console.log(
  `  wall     ${perTx(totalWallMs, committed).padStart(7)} µs/tx → ${rate(committed, totalWallMs)} tx/s`,
);
const memory = process.memoryUsage();
console.log(
  `  rss ${mib(memory.rss)} MiB (peak ${mib(process.resourceUsage().maxRSS * 1024)} MiB), heap ` +
    `${mib(memory.heapUsed)} MiB, array buffers ${mib(memory.arrayBuffers)} MiB`,
);
store.close();
rmSync(dir, { recursive: true, force: true });
