/**
 * `medchain tx`: sign a transaction with a keystore and submit it. By default it waits for
 * the commit, so a zero exit means "in a block and succeeded"; a transaction that commits
 * but fails (receipt code not 0) exits 1, because scripts care about the outcome.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  buildTransaction,
  isPlainObject,
  type JsonObject,
  MedchainClient,
  type Submission,
  signerFromSeed,
} from '../../../sdk/index.js';
import {
  type ApiOptions,
  addApiOptions,
  addExamples,
  CliError,
  CliUsageError,
  EXIT_FAILURE,
  parseCount,
  printFields,
  printJson,
} from '../output.js';
import { openKeystore } from './keys.js';

export interface TxOptions extends ApiOptions {
  args?: string;
  argsFile?: string;
  key: string;
  passphraseEnv?: string;
  nonce?: number;
  expiresAt?: number;
  chainId?: string;
  wait: boolean;
  timeoutMs?: number;
}

export function register(program: Command): void {
  const command = program
    .command('tx')
    .description('sign a transaction with a keystore and submit it (waits for the commit)')
    .argument('<module>', 'module name, e.g. identity')
    .argument('<action>', 'action name, e.g. registerMember')
    .option('--args <json>', 'action arguments as a JSON object', undefined)
    .option('--args-file <file>', 'read the arguments from a JSON file ("-" for stdin)')
    .requiredOption('--key <keystore>', 'keystore of the signer')
    .option('--passphrase-env <VAR>', 'read the keystore passphrase from this variable')
    .option('--nonce <n>', 'nonce to use (default: the pending nonce from the node)', (v) =>
      parseCount(v, '--nonce'),
    )
    .option('--expires-at <height>', 'last height the transaction may be included at', (v) =>
      parseCount(v, '--expires-at'),
    )
    .option('--chain-id <id>', 'chain id (default: asked from the node)')
    .option('--no-wait', 'return once the node accepts it, without waiting for a block')
    .option('--timeout-ms <ms>', 'how long the node waits for the commit', (v) =>
      parseCount(v, '--timeout-ms'),
    )
    .action(async (module: string, action: string, options: TxOptions) =>
      submitTransaction(module, action, await readArgs(options), options),
    );
  addApiOptions(command);
  addExamples(command, [
    `medchain tx identity vote --args '{"proposal":1,"approve":true}' --key alice.json`,
    'medchain tx identity registerMember --args-file member.json --key admin.json --json',
    'echo \'{"member":"member-1"}\' | medchain tx identity deactivateMember \\\n' +
      '      --args-file - --key admin.json --no-wait',
  ]);
}

/** Signs with the keystore, submits, prints the outcome; exit 1 when the receipt failed. */
export async function submitTransaction(
  module: string,
  action: string,
  args: JsonObject,
  options: Omit<TxOptions, 'args' | 'argsFile'>,
): Promise<void> {
  const keys = await openKeystore(options.key, options.passphraseEnv);
  const signer = signerFromSeed(keys.signing.seed);
  const client = new MedchainClient({ baseUrl: options.api });
  const chainId = options.chainId ?? (await client.chainId());
  const nonce = options.nonce ?? (await client.account(signer.publicKey)).pendingNonce;
  const transaction = buildTransaction({
    chainId,
    signer,
    nonce,
    module,
    action,
    args,
    ...(options.expiresAt === undefined ? {} : { expiresAt: options.expiresAt }),
  });
  const submission = await client.submit(transaction, {
    wait: options.wait ? 'commit' : 'none',
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  printSubmission(submission, nonce, options.json);
  if (submission.status === 'committed' && submission.receipt.code !== 0) {
    const { name, message } = submission.receipt;
    process.stderr.write(`error: ${name}: ${message || 'the transaction failed'}\n`);
    process.exitCode = EXIT_FAILURE;
  }
}

async function readArgs(options: TxOptions): Promise<JsonObject> {
  if (options.args !== undefined && options.argsFile !== undefined) {
    throw new CliUsageError('give either --args or --args-file, not both');
  }
  let text = options.args ?? '{}';
  if (options.argsFile !== undefined) {
    text = options.argsFile === '-' ? await readStdin() : await readFile(options.argsFile, 'utf8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CliUsageError(`arguments are not valid JSON: ${(error as Error).message}`);
  }
  if (!isPlainObject(value)) {
    throw new CliUsageError('arguments must be a JSON object');
  }
  return value as JsonObject;
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY === true) {
    throw new CliError('no_input', '--args-file - reads stdin, but stdin is a terminal');
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function printSubmission(submission: Submission, nonce: number, json: boolean): void {
  if (json) {
    printJson(submission);
    return;
  }
  if (submission.status === 'pending') {
    printFields([
      ['hash', submission.hash],
      ['nonce', nonce],
      ['status', 'pending (accepted into the mempool)'],
    ]);
    return;
  }
  const { receipt } = submission;
  const fields: [string, string | number][] = [
    ['hash', submission.hash],
    ['nonce', nonce],
    ['status', 'committed'],
    ['height', `${submission.height} (index ${submission.index})`],
    ['result', `${receipt.code} ${receipt.name}`],
  ];
  if (receipt.message !== '') {
    fields.push(['message', receipt.message]);
  }
  for (const event of receipt.events) {
    fields.push(['event', `${event.type} ${JSON.stringify(event.attributes)}`]);
  }
  printFields(fields);
}
