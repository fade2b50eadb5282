/**
 * `medchain record add|read|list|decline-escrow`: health records end to end from the command
 * line. `add` encrypts the file on this machine, streams the ciphertext to your
 * organization's vault, anchors its hash on chain and wraps the key for the patient, you and
 * your organization's emergency escrow; `read` fetches the ciphertext from the custodian's
 * vault (an audited read), checks the anchored hash and decrypts, asking the custodian for
 * an emergency key release when you hold no key but have broken the glass; `list` shows a
 * patient its own records; `decline-escrow` lets a patient opt a record out of escrow.
 */
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { Command } from 'commander';
import {
  CATEGORIES,
  type Category,
  RESOURCE_TYPES,
  type ResourceType,
} from '../../../protocol/contracts/records/types.js';
import { addExamples, CliUsageError, parseCount, printFields, printJson } from '../output.js';
import { addHealthOptions, type HealthOptions, openHealthSession } from './health-session.js';

interface AddOptions extends HealthOptions {
  patient: string;
  type: string;
  category: string;
  file: string;
  id?: string;
  /** commander's --no-escrow. */
  escrow: boolean;
}

interface ReadOptions extends HealthOptions {
  version?: number;
  purpose?: string;
  out?: string;
}

export function register(program: Command): void {
  const record = program.command('record').description('add, read and list health records');
  registerAdd(record);
  const read = record
    .command('read')
    .description('fetch a record from its vault, verify its hash and decrypt it')
    .argument('<id>', 'record id')
    .option('--version <n>', 'version (default: the latest)', (v) => parseCount(v, '--version'))
    .option('--purpose <purpose>', 'treatment, payment, operations or research', 'treatment')
    .option('--out <file>', 'write the plaintext here instead of stdout')
    .action(async (id: string, options: ReadOptions) => {
      const session = await openHealthSession(options);
      const opened = await session.openRecord(id, {
        ...(options.version === undefined ? {} : { version: options.version }),
        ...(options.purpose === undefined ? {} : { purpose: options.purpose as 'treatment' }),
      });
      if (opened.release !== undefined) {
        // On stderr: stdout carries the document and may be piped.
        const { breakGlass, audit } = opened.release;
        process.stderr.write(
          `emergency key release under break-glass ${breakGlass}; logged on chain in ` +
            `transaction ${audit} and flagged to the patient\n`,
        );
      }
      if (options.out === undefined) {
        process.stdout.write(opened.plaintext);
      } else {
        await writeFile(options.out, opened.plaintext, { mode: 0o600 });
      }
    });
  addHealthOptions(read);
  addExamples(read, [
    'medchain record read rec-1f2e --as dr-cole --key cole.json --network .medchain',
    'medchain record read rec-1f2e --as pt-4c81 --key pt.json --network .medchain --out note.txt',
    '# after medchain break-glass, the same command decrypts through an emergency key release',
  ]);
  const decline = record
    .command('decline-escrow')
    .description(
      'opt a record out of emergency escrow (patients): break-glass then gives ciphertext only',
    )
    .argument('<id>', 'record id')
    .action(async (id: string, options: HealthOptions) => {
      const versions = await (await openHealthSession(options)).declineEscrow(id);
      if (options.json) {
        printJson({ record: id, versions });
        return;
      }
      printFields([
        ['record', id],
        ['versions declined', versions],
      ]);
    });
  addHealthOptions(decline);
  addExamples(decline, ['medchain record decline-escrow rec-1f2e --as pt-4c81 --key pt.json']);
  const list = record
    .command('list')
    .description('list your records (patients only see their own)')
    .action(async (options: HealthOptions) => {
      const heads = await (await openHealthSession(options)).myRecords();
      if (options.json) {
        printJson(heads);
        return;
      }
      for (const head of heads) {
        const { latest } = head;
        process.stdout.write(
          `${head.id}  v${head.versions}  ${latest.category}/${latest.resourceType}  ` +
            `${head.custodian}  ${head.status}\n`,
        );
      }
    });
  addHealthOptions(list);
  addExamples(list, ['medchain record list --as pt-4c81 --key pt.json']);
}

function registerAdd(record: Command): void {
  const add = record
    .command('add')
    .description('encrypt a file, upload it to your vault, anchor it and wrap its key')
    .requiredOption('--patient <id>', "the patient's member id")
    .requiredOption('--type <resourceType>', `FHIR resource type: ${RESOURCE_TYPES.join(', ')}`)
    .requiredOption('--category <category>', `one of ${CATEGORIES.join(', ')}`)
    .requiredOption('--file <path>', 'the document to encrypt ("-" for stdin)')
    .option('--id <record-id>', 'pseudonymous record id (default: random)')
    .option('--no-escrow', 'the patient declines emergency key escrow for this record')
    .action(async (options: AddOptions) => {
      if (!(RESOURCE_TYPES as readonly string[]).includes(options.type)) {
        throw new CliUsageError(`--type must be one of ${RESOURCE_TYPES.join(', ')}`);
      }
      if (!(CATEGORIES as readonly string[]).includes(options.category)) {
        throw new CliUsageError(`--category must be one of ${CATEGORIES.join(', ')}`);
      }
      const session = await openHealthSession(options);
      const source = options.file === '-' ? process.stdin : createReadStream(options.file);
      const added = await session.addRecord({
        patient: options.patient,
        resourceType: options.type as ResourceType,
        category: options.category as Category,
        content: Readable.toWeb(source) as unknown as ReadableStream<Uint8Array>,
        ...(options.id === undefined ? {} : { id: options.id }),
        escrow: options.escrow,
      });
      if (options.json) {
        printJson(added);
        return;
      }
      printFields([
        ['record', added.id],
        ['version', added.version],
        ['custodian', added.custodian],
        ['contentHash', added.contentHash],
        ['sizeBytes', added.sizeBytes],
        ['transaction', added.transaction],
        ['escrow', added.escrow],
      ]);
    });
  addHealthOptions(add);
  addExamples(add, [
    'medchain record add --as dr-hana --key hana.json --patient pt-4c81 \\\n' +
      '      --type DiagnosticReport --category laboratory --file report.json',
  ]);
}
