/**
 * The vault each validator runs for its organization: the directory backend under
 * `<nodeDir>/vault`, the real gate over this node's committed state, and the vault service
 * key (`serviceKey` in node.json, a genesis member of kind service) that signs the audit
 * event of every read and the confirmation of every erasure.
 *
 * Erasure: when a patient's `records.requestErasure` for a record this organization holds
 * commits, the vault destroys the ciphertext and every key wrap of every version, then
 * submits `records.confirmErasure`; its transaction hash is the patient's receipt. Requests
 * that committed while the node was down are carried out when it starts
 * (erasure-follower.ts).
 */
import { resolve } from 'node:path';
import type { Hono } from 'hono';
import type { RecordAccessParams } from '../../protocol/contracts/consent/record-access.js';
import { toHex } from '../../protocol/core/bytes.js';
import type { JsonObject } from '../../protocol/core/canonical.js';
import type { Signer } from '../../protocol/core/crypto.js';
import { buildTransaction } from '../../sdk/transactions.js';
import { Authenticator, type StateLookup } from '../api/auth.js';
import { createVaultRoutes } from '../api/vault-routes.js';
import { DirectoryVaultBackend } from '../vault/directory-vault-backend.js';
import { type AuditReceipt, createMedchainGate } from '../vault/gate.js';
import { followErasures } from './erasure-follower.js';
import { openEscrowService } from './escrow-service.js';
import type { Logger } from './logger.js';
import type { MedchainNode } from './medchain-node.js';
import { loadSigner, type OpenedNode } from './open-node.js';

/** In the node directory: the height up to which erasure requests have been carried out. */
const ERASURE_CURSOR_FILE = 'vault-erasures.json';

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
  const erasures =
    submit === undefined
      ? undefined
      : followErasures({
          node,
          backend,
          lookup,
          organization: config.organization,
          logger,
          submit,
          cursorPath: resolve(dir, ERASURE_CURSOR_FILE),
        });
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
      erasures?.stop();
    },
  };
}
