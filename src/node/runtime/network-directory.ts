/**
 * A network directory on disk, as `medchain init` writes it and `medchain up` reads it:
 *
 *   <dir>/network.json            chain id, the validators: keys, API and p2p addresses
 *   <dir>/genesis.json            the genesis document every operator can read and hash
 *   <dir>/keys/<org>-admin.json   organization admin keystores (demo: unencrypted, 0600)
 *   <dir>/keys/<org>-service.json the organization's vault service member key (genesis member
 *                                 `<org>-vault`, kind service): signs recordAccess and
 *                                 confirmErasure for its vault
 *   <dir>/keys/<org>-escrow.json  the organization's emergency escrow key (genesis member
 *                                 `<org>-escrow`, kind service): releases document keys to
 *                                 break-glass readers; kept apart from the vault directory
 *   <dir>/nodes/<name>/node.json  one validator's configuration
 *   <dir>/nodes/<name>/validator.json   its validator keystore (0600), also its TLS identity
 *   <dir>/nodes/<name>/chain.sqlite     its chain database
 *   <dir>/nodes/<name>/consensus.wal    its consensus write-ahead log
 *   <dir>/nodes/<name>/vault/           its organization's vault (ciphertext and key wraps)
 *
 * The demo runs one validator per organization (hospital, clinic, payer, pharmacy, in that
 * order; `validators` picks the first N), each its own process with its own files.
 */

import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TimeoutConfig } from '../../protocol/consensus/types.js';
import { canonicalize } from '../../protocol/core/canonical.js';
import { createDemoGenesis, DEMO_ORGANIZATION_IDS } from '../../protocol/genesis/demo.js';
import type { Genesis } from '../../protocol/genesis/types.js';
import { escrowMemberId } from '../../sdk/health.js';
import { generateParticipantKeys, type ParticipantKeys } from '../../sdk/keys.js';
import { plaintextKeystore } from '../../sdk/keystore.js';

export interface NetworkNode {
  name: string;
  organization: string;
  /** host:port of its HTTP API. */
  api: string;
  /** host:port of its validator transport (TLS). */
  p2p: string;
  /** Its validator public key (hex): who must answer at `p2p`. */
  validatorKey: string;
}

export interface NetworkFile {
  chainId: string;
  nodes: NetworkNode[];
}

/** Consensus timing a node may override in node.json (docs/internals/operations.md). */
export interface ConsensusTiming extends TimeoutConfig {
  /** A proposer with transactions waits this long for more before building. */
  batchWaitMs: number;
  /** A proposer with none proposes an empty block after this long. */
  emptyBlockIntervalMs: number;
}

export const CONSENSUS_TIMING_DEFAULT: ConsensusTiming = {
  proposeBaseMs: 3_000,
  proposeDeltaMs: 500,
  prevoteBaseMs: 1_000,
  prevoteDeltaMs: 500,
  precommitBaseMs: 1_000,
  precommitDeltaMs: 500,
  rebroadcastMs: 1_000,
  batchWaitMs: 20,
  emptyBlockIntervalMs: 1_000,
};

export interface NodeConfig {
  name: string;
  organization: string;
  /** host:port of this node's HTTP API. */
  api: string;
  /** host:port the validator transport listens on (default 127.0.0.1:26601). */
  p2p?: string;
  genesis: string;
  /** The network file, for the other validators' addresses. */
  network?: string;
  validatorKey: string;
  database: string;
  /** The consensus write-ahead log; absent in directories made before consensus ran. */
  wal?: string;
  /** Kept for older directories; block timing is `consensus.batchWaitMs` now. */
  blockIntervalMs?: number;
  blockTransactionsMax: number;
  mempoolCapacity: number;
  /**
   * Signature verification threads, 0 for the main thread; default: one less than this
   * validator's share of the cores (ADR 0010).
   */
  verifierThreads?: number;
  consensus?: Partial<ConsensusTiming>;
  /** The organization's vault service keystore; absent in directories made before vaults. */
  serviceKey?: string;
  /** The vault directory (default `vault`). */
  vault?: string;
  /**
   * The organization's emergency escrow keystore (genesis member `<org>-escrow`); absent in
   * directories made before emergency key release, whose vaults then release nothing.
   */
  escrowKey?: string;
}

/** The genesis member id of an organization's vault service. */
export function vaultServiceMemberId(organization: string): string {
  return `${organization}-vault`;
}

export interface InitOptions {
  dir: string;
  chainId: string;
  /** API of the first validator; the others take the next ports. */
  api: string;
  /** Transport address of the first validator; the others take the next ports. */
  p2p?: string;
  /** How many of the demo organizations run a validator (1-4; default 4). */
  validators?: number;
  /** Wall-clock time for the genesis document. */
  now: Date;
}

const DEMO_ROLES = ['hospital', 'clinic', 'payer', 'pharmacy'] as const;
export const VALIDATORS_MAX = DEMO_ROLES.length;
export const P2P_DEFAULT = '127.0.0.1:26601';

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

/** Writes a demo network: four organizations, the first `validators` of them validate. */
export function initNetworkDirectory(options: InitOptions): {
  genesis: Genesis;
  network: NetworkFile;
} {
  const dir = resolve(options.dir);
  const count = options.validators ?? VALIDATORS_MAX;
  if (!Number.isInteger(count) || count < 1 || count > VALIDATORS_MAX) {
    throw new NetworkDirectoryError('invalid', `validators must be 1 to ${VALIDATORS_MAX}`);
  }
  if (isNetworkDirectory(dir)) {
    throw new NetworkDirectoryError('exists', `${dir} already holds a network (network.json)`);
  }
  mkdirSync(join(dir, 'keys'), { recursive: true, mode: 0o700 });
  const roles = DEMO_ROLES.slice(0, count);
  const admins = {} as Record<(typeof DEMO_ROLES)[number], ParticipantKeys>;
  const validators = {} as Record<(typeof DEMO_ROLES)[number], ParticipantKeys>;
  const services = {} as Record<(typeof DEMO_ROLES)[number], ParticipantKeys>;
  const escrows = {} as Record<(typeof DEMO_ROLES)[number], ParticipantKeys>;
  for (const role of DEMO_ROLES) {
    admins[role] = generateParticipantKeys();
    validators[role] = generateParticipantKeys();
    services[role] = generateParticipantKeys();
    // Its own key, not the vault service's: holding the vault key must not open escrow.
    escrows[role] = generateParticipantKeys();
    const organization = DEMO_ORGANIZATION_IDS[role];
    const createdAt = options.now;
    writeSecret(
      join(dir, 'keys', `${organization}-admin.json`),
      plaintextKeystore(admins[role], { label: `${role} admin`, createdAt }),
    );
    writeSecret(
      join(dir, 'keys', `${organization}-service.json`),
      plaintextKeystore(services[role], { label: `${role} vault service`, createdAt }),
    );
    writeSecret(
      join(dir, 'keys', `${organization}-escrow.json`),
      plaintextKeystore(escrows[role], { label: `${role} emergency escrow`, createdAt }),
    );
  }
  const keys = Object.fromEntries(
    DEMO_ROLES.map((role) => [
      role,
      { adminKey: toHexKey(admins[role]), validatorKey: toHexKey(validators[role]) },
    ]),
  ) as Parameters<typeof createDemoGenesis>[0]['keys'];
  const genesis = createDemoGenesis({
    chainId: options.chainId,
    genesisTime: options.now.getTime(),
    keys,
    blockTransactionsMax: 10_000,
    blockTimeMs: 100,
  });
  const validating = new Set<string>(roles.map((role) => DEMO_ORGANIZATION_IDS[role]));
  for (const role of DEMO_ROLES) {
    const organization = genesis.organizations.find((o) => o.id === DEMO_ORGANIZATION_IDS[role])!;
    organization.members = [
      {
        id: vaultServiceMemberId(organization.id),
        kind: 'service',
        signingKey: toHexKey(services[role]),
        encryptionKey: Buffer.from(services[role].encryption.publicKey).toString('hex'),
        displayName: `${organization.name} vault`,
      },
      {
        id: escrowMemberId(organization.id),
        kind: 'service',
        signingKey: toHexKey(escrows[role]),
        encryptionKey: Buffer.from(escrows[role].encryption.publicKey).toString('hex'),
        displayName: `${organization.name} emergency escrow`,
      },
    ];
  }
  for (const organization of genesis.organizations) {
    if (!validating.has(organization.id)) {
      delete (organization as { validatorKey?: string }).validatorKey;
    }
  }
  writeFileSync(join(dir, 'genesis.json'), `${JSON.stringify(genesis, null, 2)}\n`);
  const api = parseHostPort(options.api);
  const p2p = parseHostPort(options.p2p ?? P2P_DEFAULT);
  const nodes = roles.map((role, index) =>
    writeNodeDirectory(dir, {
      role,
      keys: validators[role],
      api: `${api.host}:${api.port + index}`,
      p2p: `${p2p.host}:${p2p.port + index}`,
      now: options.now,
    }),
  );
  const network: NetworkFile = { chainId: options.chainId, nodes };
  writeFileSync(join(dir, 'network.json'), `${JSON.stringify(network, null, 2)}\n`);
  return { genesis, network };
}

function writeNodeDirectory(
  dir: string,
  params: {
    role: (typeof DEMO_ROLES)[number];
    keys: ParticipantKeys;
    api: string;
    p2p: string;
    now: Date;
  },
): NetworkNode {
  const { role } = params;
  const nodeDir = join(dir, 'nodes', role);
  mkdirSync(nodeDir, { recursive: true, mode: 0o700 });
  writeSecret(
    join(nodeDir, 'validator.json'),
    plaintextKeystore(params.keys, { label: `${role} validator`, createdAt: params.now }),
  );
  const config: NodeConfig = {
    name: role,
    organization: DEMO_ORGANIZATION_IDS[role],
    api: params.api,
    p2p: params.p2p,
    genesis: '../../genesis.json',
    network: '../../network.json',
    validatorKey: 'validator.json',
    database: 'chain.sqlite',
    wal: 'consensus.wal',
    blockTransactionsMax: 10_000,
    // Three full blocks: enough to keep proposals full, small enough to bound memory.
    mempoolCapacity: 30_000,
    serviceKey: `../../keys/${DEMO_ORGANIZATION_IDS[role]}-service.json`,
    vault: 'vault',
    escrowKey: `../../keys/${DEMO_ORGANIZATION_IDS[role]}-escrow.json`,
  };
  writeFileSync(join(nodeDir, 'node.json'), `${JSON.stringify(config, null, 2)}\n`);
  return {
    name: role,
    organization: config.organization,
    api: params.api,
    p2p: params.p2p,
    validatorKey: toHexKey(params.keys),
  };
}

/** host:port with a numeric port; the demo lays nodes out on consecutive ports from it. */
export function parseHostPort(text: string): { host: string; port: number } {
  const match = /^(\[[0-9a-fA-F:]+\]|[^:]+):(\d{1,5})$/.exec(text);
  const port = match === null ? Number.NaN : Number(match[2]);
  if (match === null || port > 65535) {
    throw new NetworkDirectoryError('invalid', `"${text}" is not host:port`);
  }
  return { host: match[1]!, port };
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
