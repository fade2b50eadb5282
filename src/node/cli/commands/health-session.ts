/**
 * What the patient-data commands share: `--as <member>` and `--key <keystore>` say who is
 * acting (every request is signed with that key), and `--network <dir>` (or `--vault
 * <org=url>`) says which node holds each organization's vault, since a record is read from
 * its custodian's vault whichever node the client talks to.
 */
import type { Command } from 'commander';
import { HealthRecords, MedchainClient, signerFromSeed } from '../../../sdk/index.js';
import { isNetworkDirectory, readNetworkFile } from '../../runtime/network-directory.js';
import { nodeUploader } from '../../vault/node-uploader.js';
import { nodeChunkCipher, nodeSha256 } from '../../vault/node-vault-crypto.js';
import { type ApiOptions, addApiOptions, CliUsageError } from '../output.js';
import { openKeystore } from './keys.js';

export interface HealthOptions extends ApiOptions {
  as: string;
  key: string;
  passphraseEnv?: string;
  network?: string;
  vault?: string[];
}

/** --as, --key, --network, --vault, and the API options. */
export function addHealthOptions(command: Command): Command {
  command
    .requiredOption('--as <member>', 'your member id (the key must be its signing key)')
    .requiredOption('--key <keystore>', 'your keystore: signs requests, unwraps document keys')
    .option('--passphrase-env <VAR>', 'read the keystore passphrase from this variable')
    .option(
      '--network <dir>',
      'network directory: vault URLs of every organization (env MEDCHAIN_NETWORK)',
      process.env.MEDCHAIN_NETWORK,
    )
    .option('--vault <org=url...>', "an organization's node URL, e.g. org-a=http://h:8080");
  return addApiOptions(command);
}

function vaultUrls(options: HealthOptions): Record<string, string> {
  const urls: Record<string, string> = {};
  if (options.network !== undefined) {
    if (!isNetworkDirectory(options.network)) {
      throw new CliUsageError(`${options.network} has no network.json`);
    }
    for (const node of readNetworkFile(options.network).nodes) {
      urls[node.organization] = `http://${node.api}`;
    }
  }
  for (const entry of options.vault ?? []) {
    const match = /^([a-z0-9-]{3,64})=(https?:\/\/\S+)$/.exec(entry);
    if (match === null) {
      throw new CliUsageError(`--vault wants org=url, got ${entry}`);
    }
    urls[match[1]!] = match[2]!;
  }
  return urls;
}

export async function openHealthSession(options: HealthOptions): Promise<HealthRecords> {
  const keys = await openKeystore(options.key, options.passphraseEnv);
  const signer = signerFromSeed(keys.signing.seed);
  return new HealthRecords({
    client: new MedchainClient({ baseUrl: options.api, auth: signer }),
    member: options.as,
    signer,
    encryptionSecretKey: keys.encryption.secretKey,
    encryptionPublicKey: keys.encryption.publicKey,
    vaults: vaultUrls(options),
    upload: nodeUploader,
    sha256: nodeSha256,
    cipher: nodeChunkCipher,
  });
}
