/**
 * Opening a validator from its directory: configuration, keys, database, genesis on first
 * start, then a MedchainNode resumed at the last committed height. Consensus, transport
 * and API are started on top of it by validator.ts.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import type { ContractEngine } from '../../protocol/contracts/engine/types.js';
import type { Crypto, Signer } from '../../protocol/core/crypto.js';
import { decodeGenesis } from '../../protocol/genesis/decode.js';
import { genesisHash } from '../../protocol/genesis/hash.js';
import type { Genesis } from '../../protocol/genesis/types.js';
import { decryptKeystore, parseKeystore } from '../../sdk/keystore.js';
import { cryptoFromEnvironment, signerByName } from '../crypto/index.js';
import type { ChainStore } from '../storage/chain-store.js';
import { SqliteChainStore } from '../storage/sqlite-chain-store.js';
import { createEngine } from './engine.js';
import type { Logger } from './logger.js';
import { MedchainNode } from './medchain-node.js';
import { NetworkDirectoryError, type NodeConfig, readNodeConfig } from './network-directory.js';
import { nodeStateTree } from './state-tree-adapter.js';
import { defaultVerifierThreads, VerifierPool } from './verifier-pool.js';

export interface OpenedNode {
  node: MedchainNode;
  config: NodeConfig;
  genesis: Genesis;
  /** The node directory, absolute. */
  dir: string;
  /** The validator's signing key, and its 32-byte seed (the TLS identity derives from it). */
  validator: Signer;
  validatorSeed: Uint8Array;
  close(): void;
}

export function loadGenesis(path: string): { genesis: Genesis; text: string } {
  const text = readFileSync(path, 'utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new NetworkDirectoryError('invalid', `${path}: ${(error as Error).message}`);
  }
  const decoded = decodeGenesis(value);
  if (!decoded.ok) {
    throw new NetworkDirectoryError('invalid', `${path}: ${decoded.message}`);
  }
  return { genesis: decoded.value, text };
}

/** Writes height 0 into an empty store; checks a non-empty store is for this genesis. */
export function ensureGenesis(
  deps: { store: ChainStore; crypto: Crypto; engine: ContractEngine },
  genesis: Genesis,
): void {
  const { store, crypto, engine } = deps;
  const hash = genesisHash(crypto, genesis);
  const existing = store.genesis();
  if (existing !== undefined) {
    if (existing.hash !== hash) {
      throw new NetworkDirectoryError(
        'invalid',
        `the database holds genesis ${existing.hash}, but the genesis file hashes to ${hash}`,
      );
    }
    return;
  }
  const writes = engine.genesisWrites(genesis);
  const tree = nodeStateTree(crypto, store);
  const state = tree.commit(0, writes);
  store.saveGenesis({
    genesisJson: JSON.stringify(genesis),
    genesisHash: hash,
    chainId: genesis.chainId,
    stateRoot: state.root,
    treeNodes: state.nodes,
  });
}

export async function loadSigner(path: string, crypto: Crypto): Promise<Signer> {
  return signerFromSeed(await loadSeed(path), crypto);
}

/** The signing seed of a keystore (demo keystores are unencrypted). */
export async function loadSeed(path: string): Promise<Uint8Array> {
  const file = parseKeystore(readFileSync(path, 'utf8'));
  const keys = await decryptKeystore(file, process.env.MEDCHAIN_KEY_PASSPHRASE ?? '');
  return keys.signing.seed;
}

function signerFromSeed(seed: Uint8Array, crypto: Crypto): Signer {
  return signerByName(crypto.name === 'noble' ? 'noble' : crypto.name, seed);
}

export async function openNode(
  nodeDir: string,
  deps: {
    logger: Logger;
    clock?: { nowMs(): number };
    apiOverride?: string;
    /** Validators sharing this machine's cores (`medchain up` runs them all here). */
    validatorsOnHost?: number;
  },
): Promise<OpenedNode> {
  const dir = resolve(nodeDir);
  const config = readNodeConfig(dir);
  const configured = config.verifierThreads;
  if (configured !== undefined && !(Number.isInteger(configured) && configured >= 0)) {
    const got = JSON.stringify(configured);
    throw new NetworkDirectoryError(
      'invalid',
      `node.json: verifierThreads must be a whole number, 0 or more; got ${got}`,
    );
  }
  if (deps.apiOverride !== undefined) {
    config.api = deps.apiOverride;
  }
  const crypto = cryptoFromEnvironment();
  const { genesis } = loadGenesis(resolve(dir, config.genesis));
  const validatorSeed = await loadSeed(resolve(dir, config.validatorKey));
  const validator = signerFromSeed(validatorSeed, crypto);
  const store = new SqliteChainStore({
    path: join(dir, config.database),
    backgroundCheckpoints: true,
  });
  const engine = createEngine(crypto);
  ensureGenesis({ store, crypto, engine }, genesis);
  const tree = nodeStateTree(crypto, store);
  const threads =
    configured ?? defaultVerifierThreads(availableParallelism(), deps.validatorsOnHost ?? 1);
  const verifier = new VerifierPool(threads, (signature, message, key) =>
    crypto.verifyEd25519(signature, message, key),
  );
  const node = new MedchainNode(
    {
      chainId: genesis.chainId,
      blockTransactionsMax: config.blockTransactionsMax,
      mempoolCapacity: config.mempoolCapacity,
    },
    {
      store,
      crypto,
      engine,
      tree,
      validator,
      clock: deps.clock ?? { nowMs: () => Date.now() },
      logger: deps.logger,
      verifier,
    },
  );
  const close = () => {
    void verifier.close();
    store.close();
  };
  return { node, config, genesis, dir, validator, validatorSeed, close };
}
