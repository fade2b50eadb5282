/**
 * Opens a node's emergency escrow service (src/node/vault/emergency-release.ts) from the
 * `escrowKey` keystore in node.json: the organization's genesis member `<org>-escrow`. Its
 * X25519 key opens escrowed document keys and its Ed25519 key signs the audit event of each
 * release, on a nonce sequence of its own so releases never race the vault's audit reads.
 *
 * A node without `escrowKey`, or whose keystore does not match the escrow member on chain,
 * runs without escrow: break-glass readers then get ciphertext only, and are told so.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RecordAccessParams } from '../../protocol/contracts/consent/record-access.js';
import { decodeStateValue } from '../../protocol/contracts/engine/block-state.js';
import type { StateRead } from '../../protocol/contracts/engine/module.js';
import { loadMember } from '../../protocol/contracts/identity/state.js';
import { toHex } from '../../protocol/core/bytes.js';
import type { JsonObject } from '../../protocol/core/canonical.js';
import type { Signer } from '../../protocol/core/crypto.js';
import { escrowMemberId } from '../../sdk/health.js';
import { decryptKeystore, parseKeystore } from '../../sdk/keystore.js';
import { createEmergencyEscrow, type EmergencyEscrow } from '../vault/emergency-release.js';
import type { VaultBackend } from '../vault/vault-backend.js';
import type { Logger } from './logger.js';
import type { MedchainNode } from './medchain-node.js';
import { loadSigner, type OpenedNode } from './open-node.js';

/** Submits one transaction signed by `signer` and waits for its receipt (serialSubmitter). */
export type SubmitterFor = (
  signer: Signer,
) => (
  module: string,
  action: string,
  args: JsonObject,
) => Promise<{ hash: string; code: number; name: string; message: string }>;

/** Committed state at the latest height, decoded as the contracts read it. */
export function committedState(node: MedchainNode): StateRead {
  return (key) => {
    const bytes = node.reader.get(key);
    return bytes === undefined ? undefined : decodeStateValue(bytes);
  };
}

export async function openEscrowService(
  opened: OpenedNode,
  params: {
    backend: VaultBackend;
    latestTime(): number;
    logger: Logger;
    submitterFor: SubmitterFor;
  },
): Promise<EmergencyEscrow | undefined> {
  const { node, config, dir } = opened;
  if (config.escrowKey === undefined) {
    return undefined;
  }
  const path = resolve(dir, config.escrowKey);
  const keys = await decryptKeystore(
    parseKeystore(readFileSync(path, 'utf8')),
    process.env.MEDCHAIN_KEY_PASSPHRASE ?? '',
  );
  const member = escrowMemberId(config.organization);
  const read = committedState(node);
  const publicKey = toHex(keys.encryption.publicKey);
  if (loadMember(read, member)?.encryptionKey !== publicKey) {
    params.logger.warn('emergency escrow disabled: the keystore is not the escrow member', {
      member,
    });
    return undefined;
  }
  const submit = params.submitterFor(await loadSigner(path, node.deps.crypto));
  return createEmergencyEscrow({
    organization: config.organization,
    read,
    latestTime: params.latestTime,
    escrow: { member, secretKey: keys.encryption.secretKey, publicKey },
    wraps: params.backend,
    submitAudit: (args: RecordAccessParams) =>
      submit('consent', 'recordAccess', args as unknown as JsonObject),
  });
}
