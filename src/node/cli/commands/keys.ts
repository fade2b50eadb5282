/**
 * `medchain keys`: create a participant's keys in a passphrase-protected keystore, and show
 * whose a keystore is. Secrets are never printed; `show` works without the passphrase.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { Command } from 'commander';
import {
  decryptKeystore,
  encryptKeystore,
  generateParticipantKeys,
  type KeystoreFile,
  type ParticipantKeys,
  parseKeystore,
  plaintextKeystore,
} from '../../../sdk/index.js';
import {
  addExamples,
  addJsonOption,
  CliError,
  CliUsageError,
  printFields,
  printJson,
} from '../output.js';

interface NewOptions {
  out: string;
  label?: string;
  passphraseEnv?: string;
  insecurePlaintext: boolean;
  json: boolean;
}

export function register(program: Command): void {
  const keys = program
    .command('keys')
    .description('create and inspect participant keystores (Ed25519 signing + X25519 encryption)');
  addExamples(keys, [
    'medchain keys new --out alice.json --label alice',
    'medchain keys show alice.json',
  ]);

  const create = keys
    .command('new')
    .description('generate a new key pair and write it to an encrypted keystore')
    .requiredOption('--out <file>', 'where to write the keystore (must not exist)')
    .option('--label <text>', 'a name for the keystore (default: the file name)')
    .option('--passphrase-env <VAR>', 'read the passphrase from this environment variable')
    .option('--insecure-plaintext', 'write the secrets unencrypted (test networks only)', false)
    .action((options: NewOptions) => keysNew(options));
  addJsonOption(create);
  addExamples(create, [
    'medchain keys new --out alice.json --label "St Mary admin"',
    'KEY_PASS=secret medchain keys new --out bot.json --passphrase-env KEY_PASS --json',
  ]);

  const show = keys
    .command('show')
    .description('print the public keys and label of a keystore (never its secrets)')
    .argument('<file>', 'keystore file')
    .action((file: string, options: { json: boolean }) => keysShow(file, options));
  addJsonOption(show);
  addExamples(show, ['medchain keys show alice.json', 'medchain keys show alice.json --json']);
}

async function keysNew(options: NewOptions): Promise<void> {
  const keys = generateParticipantKeys();
  const label = options.label ?? basename(options.out, extname(options.out));
  const createdAt = new Date();
  let file: KeystoreFile;
  if (options.insecurePlaintext) {
    file = plaintextKeystore(keys, { label, createdAt });
  } else {
    const passphrase = await readPassphrase({ envName: options.passphraseEnv, confirm: true });
    file = await encryptKeystore(keys, { passphrase, label, createdAt });
  }
  try {
    // 0600 even when encrypted: the file is still worth an offline guessing attack.
    await writeFile(options.out, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'EEXIST') {
      throw new CliError('file_exists', `${options.out} exists; refusing to overwrite a key`);
    }
    throw error;
  }
  printKeystore(file, options.out, options.json);
}

async function keysShow(path: string, options: { json: boolean }): Promise<void> {
  const file = await loadKeystoreFile(path);
  printKeystore(file, path, options.json);
}

function printKeystore(file: KeystoreFile, path: string, json: boolean): void {
  const summary = {
    file: path,
    label: file.label,
    createdAt: file.createdAt,
    encrypted: file.crypto !== null,
    signingPublicKey: file.publicKeys.signing,
    encryptionPublicKey: file.publicKeys.encryption,
  };
  if (json) {
    printJson(summary);
    return;
  }
  printFields([
    ['file', summary.file],
    ['label', summary.label],
    ['created', summary.createdAt],
    ['encrypted', summary.encrypted ? 'yes (scrypt + AES-256-GCM)' : 'NO (plaintext)'],
    ['signing key', summary.signingPublicKey],
    ['encryption key', summary.encryptionPublicKey],
  ]);
}

export async function loadKeystoreFile(path: string): Promise<KeystoreFile> {
  return parseKeystore(await readFile(path, 'utf8'));
}

/** Opens a keystore, asking for the passphrase only when the file is encrypted. */
export async function openKeystore(
  path: string,
  passphraseEnv: string | undefined,
): Promise<ParticipantKeys> {
  const file = await loadKeystoreFile(path);
  if (file.crypto === null) {
    return decryptKeystore(file, '');
  }
  const passphrase = await readPassphrase({ envName: passphraseEnv, confirm: false, path });
  return decryptKeystore(file, passphrase);
}

interface PassphraseRequest {
  envName: string | undefined;
  confirm: boolean;
  path?: string;
}

/** From the named environment variable, else typed on a terminal without echo. */
export async function readPassphrase(request: PassphraseRequest): Promise<string> {
  if (request.envName !== undefined) {
    const value = process.env[request.envName];
    if (value === undefined || value === '') {
      throw new CliUsageError(`environment variable ${request.envName} is not set`);
    }
    return value;
  }
  if (process.stdin.isTTY !== true || process.stderr.isTTY !== true) {
    throw new CliUsageError('no passphrase: use --passphrase-env VAR, or run in a terminal');
  }
  const what = request.path === undefined ? '' : ` for ${request.path}`;
  const passphrase = await promptHidden(`passphrase${what}: `);
  if (request.confirm) {
    if (passphrase === '') {
      throw new CliUsageError('an empty passphrase protects nothing');
    }
    if ((await promptHidden('repeat passphrase: ')) !== passphrase) {
      throw new CliUsageError('the passphrases differ');
    }
  }
  return passphrase;
}

/** Reads one line from the terminal in raw mode so the characters are not echoed. */
function promptHidden(question: string): Promise<string> {
  const input = process.stdin;
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (error?: Error): void => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
      if (error === undefined) {
        resolve(value);
      } else {
        reject(error);
      }
    };
    const onData = (chunk: string): void => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n' || char === '\u0004') {
          finish();
          return;
        }
        if (char === '\u0003') {
          finish(new CliError('interrupted', 'cancelled at the passphrase prompt'));
          return;
        }
        value = char === '\u007f' || char === '\b' ? value.slice(0, -1) : value + char;
      }
    };
    input.setRawMode(true);
    input.setEncoding('utf8');
    input.on('data', onData);
    input.resume();
  });
}
