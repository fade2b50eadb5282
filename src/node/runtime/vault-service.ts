/**
 * The vault each validator runs for its organization: the directory backend under
 * `<nodeDir>/vault`, the real gate over this node's committed state, and the vault service
 * key (`serviceKey` in node.json, a genesis member of kind service) that signs the audit
 * event of every read and the confirmation of every erasure.
 *
 * Erasure: when a patient's `records.requestErasure` for a record this organization holds
 * commits, the vault destroys the ciphertext and every key wrap of every version, then
 * submits `records.confirmErasure`; its transaction hash is the patient's receipt.
 * Requests that committed while the node was down are not replayed (docs/spec/auth.md).
 */
import { resolve } from 'node:path';
import type { Hono } from 'hono';
import type { RecordAccessParams } from '../../protocol/contracts/consent/record-access.js';
import type { Anchor, RecordHead } from '../../protocol/contracts/records/types.js';
import { toHex } from '../../protocol/core/bytes.js';
import type { JsonObject } from '../../protocol/core/canonical.js';
import type { Signer } from '../../protocol/core/crypto.js';
import { buildTransaction } from '../../sdk/transactions.js';
import { Authenticator, type StateLookup } from '../api/auth.js';
import { createVaultRoutes } from '../api/vault-routes.js';
import { DirectoryVaultBackend } from '../vault/directory-vault-backend.js';
import { type AuditReceipt, createMedchainGate } from '../vault/gate.js';
import type { VaultBackend } from '../vault/vault-backend.js';
import { openEscrowService } from './escrow-service.js';
import type { Logger } from './logger.js';
import type { MedchainNode } from './medchain-node.js';
import { loadSigner, type OpenedNode } from './open-node.js';

/** How long a vault waits for its own audit or erasure transaction to commit. */
const COMMIT_WAIT_MS = 20_000;

export interface NodeVault {
  routes: Hono;
  authenticator: Authenticator;
  stop(): void;
}

export function stateLookup(node: MedchainNode): StateLookup {
  return (module, name, params) => {
    const answer = node.deps.engine.query(node.reader, module, name, params);
    return 'error' in answer ? null : answer.value;
  };
}

/**
 * Submits transactions signed by one key, one at a time: each takes the next nonce after
 * the previous one was admitted, so concurrent reads never race for a nonce.
 */
export function serialSubmitter(node: MedchainNode, signer: Signer, chainId: string) {
  const publicKey = toHex(signer.publicKey);
  let queue: Promise<unknown> = Promise.resolve();
  const committedNonce = () => {
    const answer = node.deps.engine.query(node.reader, 'engine', 'nonce', { signer: publicKey });
    return 'error' in answer ? 0 : Number(answer.value ?? 0);
  };
  const submitOne = async (module: string, action: string, args: JsonObject) => {
    const nonce = node.mempool.pendingNonce(publicKey) ?? committedNonce();
    const transaction = buildTransaction({ chainId, signer, nonce, module, action, args });
    const admitted = await node.submitAsync(transaction);
    if (!admitted.ok) {
      return { hash: '', code: -1, name: admitted.problem.code, message: admitted.problem.detail };
    }
    return { hash: admitted.hash as string, admitted };
  };
  return async (module: string, action: string, args: JsonObject) => {
    const admission = queue.then(() => submitOne(module, action, args));
    queue = admission.catch(() => undefined);
    const submitted = await admission;
    if (!('admitted' in submitted)) {
      return submitted;
    }
    const committed = await node.waitForCommit(submitted.hash, COMMIT_WAIT_MS);
    if (committed === undefined) {
      return { hash: submitted.hash, code: -1, name: 'timeout', message: 'not committed' };
    }
    const { code, name, message } = committed.receipt;
    return { hash: submitted.hash, code, name, message };
  };
}

export async function openNodeVault(opened: OpenedNode, logger: Logger): Promise<NodeVault> {
  const { node, config, dir, genesis } = opened;
  const { crypto, store } = node.deps;
  const backend = await DirectoryVaultBackend.open({
    directory: resolve(dir, config.vault ?? 'vault'),
  });
  const lookup = stateLookup(node);
  const authenticator = new Authenticator({
    lookup,
    verify: (publicKey, message, signature) => crypto.verifyEd25519(signature, message, publicKey),
  });
  const latestTime = () => {
    const height = store.latestHeight();
    return height >= 1 ? store.block(height)!.header.time : genesis.genesisTime;
  };
  const service =
    config.serviceKey === undefined
      ? undefined
      : await loadSigner(resolve(dir, config.serviceKey), crypto);
  const submit =
    service === undefined ? undefined : serialSubmitter(node, service, genesis.chainId);
  const gate = createMedchainGate({
    authenticator,
    lookup,
    latestTime,
    organization: config.organization,
    submitAudit: async (args: RecordAccessParams): Promise<AuditReceipt> => {
      if (submit === undefined) {
        return { code: -1, name: 'no_service_key', message: 'this vault has no service key' };
      }
      return submit('consent', 'recordAccess', args as unknown as JsonObject);
    },
  });
  const unsubscribe =
    submit === undefined
      ? () => undefined
      : watchErasures({ node, backend, lookup, organization: config.organization, logger, submit });
  const escrow = await openEscrowService(opened, {
    backend,
    latestTime,
    logger,
    submitterFor: (signer) => serialSubmitter(node, signer, genesis.chainId),
  });
  return {
    routes: createVaultRoutes({ backend, gate, ...(escrow === undefined ? {} : { escrow }) }),
    authenticator,
    stop: () => {
      unsubscribe();
    },
  };
}

type Submit = ReturnType<typeof serialSubmitter>;

function watchErasures(params: {
  node: MedchainNode;
  backend: VaultBackend;
  lookup: StateLookup;
  organization: string;
  logger: Logger;
  submit: Submit;
}): () => void {
  const { node, organization, logger } = params;
  const unsubscribe = node.subscribe({
    block: () => undefined,
    transaction: (event) => {
      if (event.code !== 0) {
        return;
      }
      for (const emitted of event.events) {
        const { record, custodian } = emitted.attributes as { record?: string; custodian?: string };
        if (emitted.type === 'records.erasure_requested' && custodian === organization) {
          void eraseRecord(params, String(record)).catch((error: Error) => {
            logger.warn('vault erasure failed', { record, error: error.name });
          });
        }
      }
    },
  });
  return () => {
    unsubscribe();
  };
}

async function eraseRecord(
  params: { backend: VaultBackend; lookup: StateLookup; logger: Logger; submit: Submit },
  record: string,
): Promise<void> {
  const head = params.lookup('records', 'record', { id: record }) as RecordHead | null;
  if (head === null) {
    return;
  }
  for (let version = 1; version <= head.versions; version++) {
    const anchor = params.lookup('records', 'version', {
      id: record,
      version: String(version),
    }) as Anchor | null;
    if (anchor !== null) {
      // Tombstone first, then wraps, then ciphertext: a crash midway finishes on reopen.
      await params.backend.eraseObject(anchor.contentHash);
    }
  }
  const receipt = await params.submit('records', 'confirmErasure', { record });
  params.logger.info('vault erasure confirmed', { record, result: receipt.name });
}
