/**
 * In-process nodes on memory storage with seeded demo keys. createMemoryNode: the whole
 * runtime and HTTP API without disk or sockets, one validator, block production driven by
 * hand so a test decides exactly when a block commits. createMemoryConsortium: four
 * validators running the real consensus driver over the memory transport.
 */
import { join } from 'node:path';
import { x25519 } from '@noble/curves/ed25519.js';
import { createApi } from '../node/api/app.js';
import { ConsensusDriver } from '../node/consensus/driver.js';
import { WalFile } from '../node/consensus/wal-file.js';
import { sodiumCrypto, sodiumSigner } from '../node/crypto/index.js';
import { MemoryNetwork, type MemoryTransport } from '../node/p2p/memory-transport.js';
import { createEngine } from '../node/runtime/engine.js';
import { silentLogger } from '../node/runtime/logger.js';
import { MedchainNode } from '../node/runtime/medchain-node.js';
import { nodeBackend } from '../node/runtime/node-backend.js';
import { ensureGenesis } from '../node/runtime/open-node.js';
import { nodeStateTree } from '../node/runtime/state-tree-adapter.js';
import type { VerifierPool } from '../node/runtime/verifier-pool.js';
import { MemoryChainStore } from '../node/storage/memory-chain-store.js';
import { toHex } from '../protocol/core/bytes.js';
import type { Crypto, Signer } from '../protocol/core/crypto.js';
import { createDemoGenesis } from '../protocol/genesis/demo.js';
import type { Genesis } from '../protocol/genesis/types.js';
import { derivedBytes } from './workload.js';

export const TEST_CHAIN_ID = 'medchain-test';

export interface MemoryNode {
  node: MedchainNode;
  api: ReturnType<typeof createApi>;
  genesis: Genesis;
  crypto: Crypto;
  validator: Signer;
  admins: { hospital: Signer; clinic: Signer; payer: Signer; pharmacy: Signer };
  /** A signer derived from a label, for members created in a test. */
  signer(label: string): Signer;
  encryptionKey(label: string): string;
  request(path: string, init?: RequestInit): Promise<Response>;
  clock: { nowMs(): number; advance(ms: number): void };
}

export interface MemoryNodeOptions {
  mempoolCapacity?: number;
  /** Signature checks on worker threads, as a running node has them. */
  verifier?: VerifierPool;
}

export function createMemoryNode(seed = 'test', options: MemoryNodeOptions = {}): MemoryNode {
  const crypto = sodiumCrypto;
  const signer = (label: string) => sodiumSigner(derivedBytes(seed, label));
  const admins = {
    hospital: signer('hospital-admin'),
    clinic: signer('clinic-admin'),
    payer: signer('payer-admin'),
    pharmacy: signer('pharmacy-admin'),
  };
  const validator = signer('validator');
  const validatorKey = toHex(validator.publicKey);
  const keyOf = (admin: Signer) => ({ adminKey: toHex(admin.publicKey), validatorKey });
  const genesis = createDemoGenesis({
    chainId: TEST_CHAIN_ID,
    genesisTime: 1_700_000_000_000,
    keys: {
      hospital: keyOf(admins.hospital),
      clinic: keyOf(admins.clinic),
      payer: keyOf(admins.payer),
      pharmacy: keyOf(admins.pharmacy),
    },
  });
  for (const organization of genesis.organizations.slice(1)) {
    delete (organization as { validatorKey?: string }).validatorKey;
  }
  const store = new MemoryChainStore();
  const engine = createEngine(crypto);
  ensureGenesis({ store, crypto, engine }, genesis);
  let now = genesis.genesisTime;
  const clock = {
    nowMs: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
  const node = new MedchainNode(
    {
      chainId: TEST_CHAIN_ID,
      blockTransactionsMax: 10_000,
      mempoolCapacity: options.mempoolCapacity ?? 1_000,
    },
    {
      store,
      crypto,
      engine,
      tree: nodeStateTree(crypto, store),
      validator,
      clock,
      logger: silentLogger,
      ...(options.verifier === undefined ? {} : { verifier: options.verifier }),
    },
  );
  const api = createApi(nodeBackend(node));
  return {
    node,
    api,
    genesis,
    crypto,
    validator,
    admins,
    signer,
    encryptionKey: (label) => toHex(x25519.getPublicKey(derivedBytes(seed, `${label}-x25519`))),
    request: async (path, init) => api.request(path, init),
    clock,
  };
}

/** Consensus timing for in-process consortia: short, so tests take little wall time. */
export const FAST_TIMING = {
  consensus: {
    proposeBaseMs: 600,
    proposeDeltaMs: 200,
    prevoteBaseMs: 300,
    prevoteDeltaMs: 200,
    precommitBaseMs: 300,
    precommitDeltaMs: 200,
    rebroadcastMs: 300,
  },
  batchWaitMs: 5,
  emptyBlockIntervalMs: 150,
};

export interface MemoryValidator {
  name: string;
  node: MedchainNode;
  store: MemoryChainStore;
  transport: MemoryTransport;
  driver: ConsensusDriver | undefined;
  /** Starts (or restarts after crash()) the driver on the same store and WAL file. */
  start(): Promise<void>;
  /** Stops everything at once, as a crash would (the store keeps what it committed). */
  crash(): Promise<void>;
}

export interface MemoryConsortium {
  validators: MemoryValidator[];
  genesis: Genesis;
  admins: MemoryNode['admins'];
  network: MemoryNetwork;
  close(): Promise<void>;
}

/**
 * Four validators (one per demo organization) in one process: memory stores, WAL files in
 * `walDir`, the memory transport, and the same consensus driver real validators run.
 */
export function createMemoryConsortium(walDir: string, seed = 'consortium'): MemoryConsortium {
  const signer = (label: string) => sodiumSigner(derivedBytes(seed, label));
  const roles = ['hospital', 'clinic', 'payer', 'pharmacy'] as const;
  const admins = Object.fromEntries(roles.map((role) => [role, signer(`${role}-admin`)]));
  const validatorSigners = roles.map((role) => signer(`${role}-validator`));
  const keys = Object.fromEntries(
    roles.map((role, index) => [
      role,
      {
        adminKey: toHex(admins[role]!.publicKey),
        validatorKey: toHex(validatorSigners[index]!.publicKey),
      },
    ]),
  ) as Parameters<typeof createDemoGenesis>[0]['keys'];
  const genesis = createDemoGenesis({
    chainId: TEST_CHAIN_ID,
    genesisTime: 1_700_000_000_000,
    keys,
  });
  const network = new MemoryNetwork();
  const validators = roles.map((name, index) =>
    memoryValidator({ name, genesis, network, signer: validatorSigners[index]!, walDir }),
  );
  return {
    validators,
    genesis,
    admins: admins as MemoryNode['admins'],
    network,
    async close() {
      for (const validator of validators) {
        await validator.crash();
      }
    },
  };
}

function memoryValidator(params: {
  name: string;
  genesis: Genesis;
  network: MemoryNetwork;
  signer: Signer;
  walDir: string;
}): MemoryValidator {
  const crypto = sodiumCrypto;
  const store = new MemoryChainStore();
  const engine = createEngine(crypto);
  ensureGenesis({ store, crypto, engine }, params.genesis);
  const node = new MedchainNode(
    { chainId: TEST_CHAIN_ID, blockTransactionsMax: 10_000, mempoolCapacity: 10_000 },
    {
      store,
      crypto,
      engine,
      tree: nodeStateTree(crypto, store),
      validator: params.signer,
      clock: { nowMs: () => Date.now() },
      logger: silentLogger,
    },
  );
  const keys = params.genesis.organizations.map((organization) => organization.validatorKey!);
  const transport = params.network.endpoint({
    publicKey: toHex(params.signer.publicKey),
    isAuthorizedPeer: (key) => keys.includes(key),
    peers: keys,
  });
  let wal: WalFile | undefined;
  const validator: MemoryValidator = {
    name: params.name,
    node,
    store,
    transport,
    driver: undefined,
    async start() {
      wal = WalFile.open(join(params.walDir, `${params.name}.wal`));
      const driver = new ConsensusDriver(
        { ...FAST_TIMING, consensus: { chainId: TEST_CHAIN_ID, timeouts: FAST_TIMING.consensus } },
        { node, crypto, signer: params.signer, transport, wal, logger: silentLogger },
      );
      validator.driver = driver;
      await transport.start();
      driver.start();
    },
    async crash() {
      validator.driver?.stop();
      validator.driver = undefined;
      await transport.stop();
      wal?.close();
      wal = undefined;
    },
  };
  return validator;
}
