/**
 * A network directory on disk, as `medchain init` writes it and `medchain up` reads it:
 *
 *   <dir>/network.json            chain id, the nodes and where their APIs listen
 *   <dir>/genesis.json            the genesis document every operator can read and hash
 *   <dir>/keys/<org>-admin.json   organization admin keystores (demo: unencrypted, 0600)
 *   <dir>/nodes/<name>/node.json  one validator's configuration
 *   <dir>/nodes/<name>/validator.json   its validator keystore (0600)
 *   <dir>/nodes/<name>/chain.sqlite     its chain database
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { canonicalize } from '../../protocol/core/canonical.js';
import { createDemoGenesis, DEMO_ORGANIZATION_IDS } from '../../protocol/genesis/demo.js';
import type { Genesis } from '../../protocol/genesis/types.js';
import { generateParticipantKeys, type ParticipantKeys } from '../../sdk/keys.js';
import { plaintextKeystore } from '../../sdk/keystore.js';

export interface NetworkFile {
  chainId: string;
  nodes: { name: string; organization: string; api: string }[];
}

export interface NodeConfig {
  name: string;
  organization: string;
  /** host:port of this node's HTTP API. */
  api: string;
  genesis: string;
  validatorKey: string;
  database: string;
  blockIntervalMs: number;
  blockTransactionsMax: number;
  mempoolCapacity: number;
  /** Signature verification threads; default: one less than the cores, at least one. */
  verifierThreads?: number;
}

export interface InitOptions {
  dir: string;
  chainId: string;
  api: string;
  /** Wall-clock time for the genesis document. */
  now: Date;
}

const DEMO_ROLES = ['hospital', 'clinic', 'payer', 'pharmacy'] as const;

export class NetworkDirectoryError extends Error {
  override name = 'NetworkDirectoryError';
  constructor(
    readonly code: 'exists' | 'missing' | 'invalid',
    message: string,
  ) {
    super(message);
  }
}

export function isNetworkDirectory(dir: string): boolean {
  return existsSync(join(dir, 'network.json'));
}

/** Writes a demo network: four organizations, the hospital runs the one validator. */
export function initNetworkDirectory(options: InitOptions): {
  genesis: Genesis;
  network: NetworkFile;
} {
  const dir = resolve(options.dir);
  if (isNetworkDirectory(dir)) {
    throw new NetworkDirectoryError('exists', `${dir} already holds a network (network.json)`);
  }
  mkdirSync(join(dir, 'keys'), { recursive: true, mode: 0o700 });
  const admins = {} as Record<(typeof DEMO_ROLES)[number], ParticipantKeys>;
  for (const role of DEMO_ROLES) {
    admins[role] = generateParticipantKeys();
    const file = join(dir, 'keys', `${DEMO_ORGANIZATION_IDS[role]}-admin.json`);
    writeSecret(
      file,
      plaintextKeystore(admins[role], { label: `${role} admin`, createdAt: options.now }),
    );
  }
  const validator = generateParticipantKeys();
  const validatorKey = toHexKey(validator);
  const keys = Object.fromEntries(
    DEMO_ROLES.map((role) => [role, { adminKey: toHexKey(admins[role]), validatorKey }]),
  ) as Parameters<typeof createDemoGenesis>[0]['keys'];
  const genesis = createDemoGenesis({
    chainId: options.chainId,
    genesisTime: options.now.getTime(),
    keys,
    blockTransactionsMax: 10_000,
    blockTimeMs: 100,
  });
  // One validator until the consortium runs BFT consensus: only the hospital validates.
  for (const organization of genesis.organizations) {
    if (organization.id !== DEMO_ORGANIZATION_IDS.hospital) {
      delete (organization as { validatorKey?: string }).validatorKey;
    }
  }
  writeFileSync(join(dir, 'genesis.json'), `${JSON.stringify(genesis, null, 2)}\n`);
  const nodeDir = join(dir, 'nodes', 'hospital');
  mkdirSync(nodeDir, { recursive: true, mode: 0o700 });
  writeSecret(
    join(nodeDir, 'validator.json'),
    plaintextKeystore(validator, { label: 'hospital validator', createdAt: options.now }),
  );
  const config: NodeConfig = {
    name: 'hospital',
    organization: DEMO_ORGANIZATION_IDS.hospital,
    api: options.api,
    genesis: '../../genesis.json',
    validatorKey: 'validator.json',
    database: 'chain.sqlite',
    blockIntervalMs: 100,
    blockTransactionsMax: 10_000,
    mempoolCapacity: 100_000,
  };
  writeFileSync(join(nodeDir, 'node.json'), `${JSON.stringify(config, null, 2)}\n`);
  const network: NetworkFile = {
    chainId: options.chainId,
    nodes: [{ name: 'hospital', organization: config.organization, api: options.api }],
  };
  writeFileSync(join(dir, 'network.json'), `${JSON.stringify(network, null, 2)}\n`);
  return { genesis, network };
}

function toHexKey(keys: ParticipantKeys): string {
  return Buffer.from(keys.signing.publicKey).toString('hex');
}

function writeSecret(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

export function readNetworkFile(dir: string): NetworkFile {
  return readJsonFile<NetworkFile>(join(dir, 'network.json'));
}

export function readNodeConfig(nodeDir: string): NodeConfig {
  return readJsonFile<NodeConfig>(join(nodeDir, 'node.json'));
}

export function readJsonFile<T>(path: string): T {
  if (!existsSync(path)) {
    throw new NetworkDirectoryError('missing', `${path} does not exist`);
  }
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (error) {
    throw new NetworkDirectoryError(
      'invalid',
      `${path} is not valid JSON: ${(error as Error).message}`,
    );
  }
}

/** The genesis file's bytes as an operator would hash them are canonical JSON. */
export function canonicalGenesisText(genesis: Genesis): string {
  return canonicalize(genesis);
}
