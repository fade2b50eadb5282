/**
 * `medchain member`: the everyday identity tasks without hand-writing transaction JSON.
 * `register` reads the new member's public keys from their keystore (no passphrase needed:
 * public keys are stored in the clear) and signs with the organization admin's key.
 */
import type { Command } from 'commander';
import type { JsonObject } from '../../../sdk/index.js';
import { addApiOptions, addExamples, CliUsageError, parseCount } from '../output.js';
import { loadKeystoreFile } from './keys.js';
import { submitTransaction, type TxOptions } from './tx.js';

const KINDS = ['practitioner', 'patient', 'device', 'service'];

interface RegisterOptions extends Omit<TxOptions, 'args' | 'argsFile'> {
  kind: string;
  keys: string;
  role?: string[];
  name?: string;
}

export function register(program: Command): void {
  const member = program
    .command('member')
    .description('register, rotate and deactivate members of your organization');
  const registerCommand = member
    .command('register')
    .description("register a member with the keys from their keystore, signed by your org's admin")
    .argument('<id>', 'member id: 3-64 characters of a-z, 0-9 and -')
    .requiredOption('--kind <kind>', `one of ${KINDS.join(', ')}`)
    .requiredOption('--keys <keystore>', "the new member's keystore (only public keys are read)")
    .requiredOption('--key <keystore>', "your organization admin's keystore (signs)")
    .option('--role <role...>', 'roles such as clinician or emergency')
    .option('--name <display name>', 'display name (not allowed for patients)')
    .option('--passphrase-env <VAR>', 'read the admin keystore passphrase from this variable')
    .option('--no-wait', 'return once the node accepts it')
    .option('--timeout-ms <ms>', 'how long the node waits for the commit', (value) =>
      parseCount(value, '--timeout-ms'),
    )
    .action(async (id: string, options: RegisterOptions) => {
      if (!KINDS.includes(options.kind)) {
        throw new CliUsageError(`--kind must be one of ${KINDS.join(', ')}`);
      }
      const file = await loadKeystoreFile(options.keys);
      const args: JsonObject = {
        id,
        kind: options.kind,
        signingKey: file.publicKeys.signing,
        encryptionKey: file.publicKeys.encryption,
      };
      if (options.role !== undefined) {
        args.roles = options.role;
      }
      if (options.name !== undefined) {
        args.displayName = options.name;
      }
      await submitTransaction('identity', 'registerMember', args, options);
    });
  addApiOptions(registerCommand);
  addExamples(registerCommand, [
    'medchain member register patient-alice --kind patient --keys alice.json \\\n' +
      '      --key .medchain/keys/org-general-hospital-admin.json',
    'medchain member register dr-bob --kind practitioner --role clinician --name "Dr Bob" \\\n' +
      '      --keys bob.json --key hospital-admin.json',
  ]);
}
