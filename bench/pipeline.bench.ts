/**
 * Where a single validator's time per transaction goes, in one process without HTTP or
 * consensus: JSON parsing of the submitted batch, admission (decode, hash, engine checks,
 * mempool), execution with the state tree (proposeBlock) and the store's write batch
 * (commit). Signatures are taken as verified: their cost is measured by the suite's
 * signature round. Run with --cpu-prof to see inside a phase.
 *
 * Run: node --import tsx bench/pipeline.bench.ts [--blocks 20] [--block-size 5000] [--memory]
 */
import { mkdtempSync, rmSync } from 'node:fs';
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
    'block-size': { type: 'string', default: '5000' },
    memory: { type: 'boolean', default: false },
  },
});
const blocks = Number(values.blocks);
const blockSize = Number(values['block-size']);
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
    tree: nodeStateTree(crypto, store),
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

// Each admin registers members with its own nonce sequence, as the suite's rounds do.
const perAdmin = Math.ceil((blocks * blockSize) / admins.length);
const streams = admins.map((admin, index) =>
  registrationWorkload({
    chainId: CHAIN_ID,
    admin: admin!,
    startNonce: 0,
    count: perAdmin,
    seed: `pipeline-${index}`,
    derivePublicKey,
  }),
);
const bodies: string[] = [];
for (let block = 0; block < blocks; block++) {
  const batch = [];
  for (let i = 0; i < blockSize; i++) {
    const n = block * blockSize + i;
    batch.push(streams[n % admins.length]![Math.floor(n / admins.length)]!);
  }
  bodies.push(JSON.stringify(batch));
}

// CPU time rather than wall time: the figures stay comparable on a busy machine.
const cpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};
const phases = { parse: 0, admit: 0, propose: 0, commit: 0 };
let committed = 0;
const started = cpuMs();
const startedWall = performance.now();
for (let block = 0; block < blocks; block++) {
  let mark = cpuMs();
  const values = JSON.parse(bodies[block]!) as unknown[];
  phases.parse += cpuMs() - mark;
  mark = cpuMs();
  const results = await Promise.all(values.map((value) => node.submitAsync(value)));
  phases.admit += cpuMs() - mark;
  const refused = results.find((result) => !result.ok);
  if (refused !== undefined) {
    throw new Error(`admission refused: ${JSON.stringify(refused)}`);
  }
  now += 1000;
  mark = cpuMs();
  const { hash, block: proposed } = node.proposeBlock();
  phases.propose += cpuMs() - mark;
  mark = cpuMs();
  const result = node.commitDecided(proposed.header.height, proposed, hash, {
    height: proposed.header.height,
    round: 0,
    blockHash: hash,
    signatures: [],
  });
  phases.commit += cpuMs() - mark;
  committed += result.transactionCount;
}
const totalMs = cpuMs() - started;
const wallMs = performance.now() - startedWall;
const perTx = (ms: number) => ((ms * 1000) / committed).toFixed(1);
console.log(
  `${committed} tx in ${blocks} blocks of ${blockSize} (${values.memory ? 'memory' : 'sqlite'})`,
);
for (const [name, ms] of Object.entries(phases)) {
  console.log(`  ${name.padEnd(8)} ${perTx(ms).padStart(7)} µs/tx`);
}
const rate = (ms: number) => Math.round(committed / (ms / 1000));
console.log(`  total    ${perTx(totalMs).padStart(7)} µs/tx of CPU → ${rate(totalMs)} tx/s`);
console.log(`  wall     ${perTx(wallMs).padStart(7)} µs/tx → ${rate(wallMs)} tx/s`);
const memory = process.memoryUsage();
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
console.log(
  `  rss ${mib(memory.rss)} (peak ${mib(process.resourceUsage().maxRSS * 1024)}), heap ` +
    `${mib(memory.heapUsed)}, array buffers ${mib(memory.arrayBuffers)}`,
);
store.close();
rmSync(dir, { recursive: true, force: true });
