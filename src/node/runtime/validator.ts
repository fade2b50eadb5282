/**
 * One validator, as `medchain node --dir <nodeDir>` runs it in its own process: the node
 * (SQLite store, mempool, execution), its consensus write-ahead log, the TLS transport to
 * the other validators listed in network.json (only keys in the current validator set may
 * connect), the consensus driver, its organization's vault, and the node's own HTTP API.
 *
 * Start order matters for crash safety: the WAL is checked before anything is signed (a
 * lost log refuses to start: amnesia), and the API opens last, so a client that reaches it
 * talks to a validator that is already taking part in consensus.
 */
import { join, resolve } from 'node:path';
import type { ValidatorSet } from '../../protocol/consensus/types.js';
import { AmnesiaError, ConsensusDriver } from '../consensus/driver.js';
import { WalFile } from '../consensus/wal-file.js';
import { tlsIdentityFromSeed } from '../p2p/identity.js';
import { TlsTransport } from '../p2p/tls-transport.js';
import type { PeerAddress } from '../p2p/transport.js';
import type { Logger } from './logger.js';
import {
  CONSENSUS_TIMING_DEFAULT,
  type NetworkFile,
  P2P_DEFAULT,
  parseHostPort,
  readJsonFile,
} from './network-directory.js';
import { type OpenedNode, openNode } from './open-node.js';
import { retryWhileBusy, serveApi } from './serve.js';
import { openNodeVault } from './vault-service.js';

export { AmnesiaError };

export interface RunningValidator {
  opened: OpenedNode;
  apiUrl: string;
  p2pPort: number;
  /** Test-only fault injection: drop every peer connection for `ms`, then reconnect. */
  isolate(ms: number): void;
  stop(): Promise<void>;
}

export interface ValidatorOptions {
  logger: Logger;
  /** Overrides node.json's API address (`medchain up --api` moves the first node). */
  api?: string;
  /** Validators sharing this machine's cores; sizes the signature-check threads. */
  validatorsOnHost?: number;
}

/** The addresses of the validators in `validators` that network.json knows. */
export function peerAddresses(network: NetworkFile, validators: ValidatorSet): PeerAddress[] {
  const keys = new Set(validators.map((validator) => validator.publicKey));
  return network.nodes
    .filter((node) => keys.has(node.validatorKey))
    .map((node) => {
      const { host, port } = parseHostPort(node.p2p);
      return { publicKey: node.validatorKey, host: host.replace(/^\[|\]$/g, ''), port };
    });
}

export async function runValidator(
  nodeDir: string,
  options: ValidatorOptions,
): Promise<RunningValidator> {
  const { logger } = options;
  const opened = await openNode(nodeDir, {
    logger,
    ...(options.api === undefined ? {} : { apiOverride: options.api }),
    ...(options.validatorsOnHost === undefined
      ? {}
      : { validatorsOnHost: options.validatorsOnHost }),
  });
  const { node, config, dir } = opened;
  const cleanup: (() => Promise<void> | void)[] = [() => opened.close()];
  try {
    const wal = WalFile.open(resolve(dir, config.wal ?? 'consensus.wal'));
    cleanup.unshift(() => wal.close());
    adoptLegacyDirectory(opened, wal, logger);
    const network = readJsonFile<NetworkFile>(resolve(dir, config.network ?? '../../network.json'));
    let authorized = new Set(node.validatorsFor(node.height + 1).map((v) => v.publicKey));
    const listen = parseHostPort(config.p2p ?? P2P_DEFAULT);
    const transport = new TlsTransport(
      {
        identity: tlsIdentityFromSeed(opened.validatorSeed),
        host: listen.host.replace(/^\[|\]$/g, ''),
        port: listen.port,
        peers: peerAddresses(network, node.validatorsFor(node.height + 1)),
        isAuthorizedPeer: (key) => authorized.has(key),
      },
      { logger },
    );
    await retryWhileBusy(() => transport.start());
    cleanup.unshift(() => transport.stop());
    const timing = { ...CONSENSUS_TIMING_DEFAULT, ...config.consensus };
    const { batchWaitMs, emptyBlockIntervalMs, ...timeouts } = timing;
    const driver = new ConsensusDriver(
      {
        consensus: { chainId: opened.genesis.chainId, timeouts },
        batchWaitMs,
        emptyBlockIntervalMs,
      },
      {
        node,
        crypto: node.deps.crypto,
        signer: opened.validator,
        transport,
        wal,
        logger,
        onValidatorsChanged: (validators) => {
          authorized = new Set(validators.map((validator) => validator.publicKey));
          transport.updatePeers(peerAddresses(network, validators));
          logger.info('validator set changed', { validators: validators.length });
        },
      },
    );
    driver.start();
    cleanup.unshift(() => driver.stop());
    const vault = await openNodeVault(opened, logger);
    cleanup.unshift(() => vault.stop());
    const api = await serveApi(node, config.api, {
      authenticator: vault.authenticator,
      vault: vault.routes,
    });
    cleanup.unshift(() => api.stop());
    let stopped = false;
    return {
      opened,
      apiUrl: api.url,
      p2pPort: transport.port,
      isolate: (ms) => isolate(transport, { ms, stopped: () => stopped }, logger),
      stop: () => {
        stopped = true;
        return runAll(cleanup);
      },
    };
  } catch (error) {
    await runAll(cleanup);
    throw error;
  }
}

/**
 * A node directory written before validators ran consensus has no `wal` in node.json and
 * never signed a vote: its blocks carry single-signature certificates. Its log starts
 * with a marker at the committed height, which no vote of it can conflict with. A
 * directory that names its log and lost it is refused later (amnesia), as it should be.
 */
function adoptLegacyDirectory(opened: OpenedNode, wal: WalFile, logger: Logger): void {
  const height = opened.node.height;
  if (opened.config.wal !== undefined || wal.size > 0 || height === 0) {
    return;
  }
  wal.append({ type: 'height', height });
  wal.sync();
  logger.info('write-ahead log started for an existing chain', { height });
}

async function runAll(steps: (() => Promise<void> | void)[]): Promise<void> {
  for (const step of steps.splice(0)) {
    await step();
  }
}

function isolate(
  transport: TlsTransport,
  params: { ms: number; stopped: () => boolean },
  logger: Logger,
): void {
  logger.warn('fault injection: dropping every peer', { ms: params.ms });
  void transport.stop().then(() => {
    setTimeout(() => {
      if (params.stopped()) {
        return;
      }
      void retryWhileBusy(() => transport.start()).then(() => {
        logger.warn('fault injection: peers restored');
      });
    }, params.ms);
  });
}

/** The node directories of a network directory, in network.json order. */
export function nodeDirectories(networkDir: string, network: NetworkFile): string[] {
  return network.nodes.map((entry) => join(networkDir, 'nodes', entry.name));
}
