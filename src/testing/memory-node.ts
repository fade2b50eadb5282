/**
 * An in-process node on memory storage with seeded demo keys: the whole runtime and HTTP
 * API without disk or sockets. Tests drive block production by hand so they decide exactly
 * when a block commits.
 */
import { x25519 } from '@noble/curves/ed25519.js';
import { toHex } from '../protocol/core/bytes.js';
import type { Crypto, Signer } from '../protocol/core/crypto.js';
import { createDemoGenesis } from '../protocol/genesis/demo.js';
import type { Genesis } from '../protocol/genesis/types.js';
import { createApi } from '../node/api/app.js';
import { sodiumCrypto, sodiumSigner } from '../node/crypto/index.js';
import { createEngine } from '../node/runtime/engine.js';
import { silentLogger } from '../node/runtime/logger.js';
import { MedchainNode } from '../node/runtime/medchain-node.js';
import { nodeBackend } from '../node/runtime/node-backend.js';
import { ensureGenesis } from '../node/runtime/open-node.js';
import { nodeStateTree } from '../node/runtime/state-tree-adapter.js';
import { MemoryChainStore } from '../node/storage/memory-chain-store.js';
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

export function createMemoryNode(seed = 'test'): MemoryNode {
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
    { chainId: TEST_CHAIN_ID, blockTransactionsMax: 10_000, mempoolCapacity: 1_000 },
    {
      store,
      crypto,
      engine,
      tree: nodeStateTree(crypto, store),
      validator,
      clock,
      logger: silentLogger,
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
