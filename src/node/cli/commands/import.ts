/**
 * `medchain import fhir <file.ndjson|bundle.json|directory>`: loads a patient's existing
 * FHIR records. Each resource is mapped to a pseudonymous patient (a salted hash of the
 * source id, never a name) and a coarse category, encrypted here with the SDK's vault
 * encryption for the patient and the author, and anchored with records.anchorRecord signed
 * by the clinician's key. `--dry-run` maps and counts without touching the network.
 * The ciphertext goes to a CiphertextSink: today a local directory (--ciphertext-dir),
 * named by content hash, from which the custodian's vault can be loaded; the vault upload
 * route is the sink to add once its request authentication is settled.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import {
  loadResources,
  pseudonymousPatientId,
  recordIdFor,
  recordKind,
  type SourceResource,
  sourcePatientOf,
} from '../../api/fhir/import-map.js';
import type { Signer } from '../../../protocol/core/crypto.js';
import { fromHex, toHex } from '../../../protocol/core/bytes.js';
import type { Transaction } from '../../../protocol/ledger/transaction.js';
import { MedchainClient } from '../../../sdk/client.js';
import { records, signRecordStatement } from '../../../sdk/health.js';
import { signerFromSeed } from '../../../sdk/keys.js';
import { buildTransaction } from '../../../sdk/transactions.js';
import { encodeKeyWrap, encryptDocument } from '../../../sdk/vault/index.js';
import { openKeystore } from './keys.js';
import {
  addApiOptions,
  addExamples,
  CliError,
  CliUsageError,
  printJson,
  ProgressBar,
} from '../output.js';

interface ImportOptions {
  api: string;
  json: boolean;
  saltEnv: string;
  dryRun: boolean;
  key?: string;
  author?: string;
  passphraseEnv?: string;
  ciphertextDir?: string;
}

/** Where ciphertext goes before its hash is anchored. */
export interface CiphertextSink {
  store(contentHash: string, ciphertext: Uint8Array, wraps: unknown[]): Promise<void>;
}

export function directorySink(directory: string): CiphertextSink {
  return {
    async store(contentHash, ciphertext, wraps) {
      await mkdir(directory, { recursive: true });
      await writeFile(join(directory, contentHash), ciphertext);
      await writeFile(join(directory, `${contentHash}.wraps.json`), JSON.stringify(wraps));
    },
  };
}

export type PlannedRecord = {
  resource: SourceResource;
  id: string;
  patient: string;
  kind: NonNullable<ReturnType<typeof recordKind>>;
};

/** Which resources become records, for which pseudonymous patient; the rest is counted. */
export function planImport(resources: SourceResource[], salt: string) {
  const planned: PlannedRecord[] = [];
  const skipped = new Map<string, number>();
  const patients = new Set<string>();
  for (const resource of resources) {
    if (resource.resourceType === 'Patient' && typeof resource.id === 'string') {
      patients.add(pseudonymousPatientId(salt, resource.id));
    }
    const kind = recordKind(resource);
    const source = sourcePatientOf(resource);
    if (kind === undefined || source === undefined) {
      skipped.set(resource.resourceType, (skipped.get(resource.resourceType) ?? 0) + 1);
      continue;
    }
    const patient = pseudonymousPatientId(salt, source);
    patients.add(patient);
    planned.push({ resource, id: recordIdFor(salt, resource), patient, kind });
  }
  return { planned, skipped, patients: [...patients].sort() };
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export type ImportContext = {
  client: MedchainClient;
  chainId: string;
  author: { id: string; signer: Signer; organization: string; encryptionKey: string };
  sink: CiphertextSink;
  nonce: number;
};

async function memberValue(client: MedchainClient, id: string) {
  const answer = await client.query('identity', 'member', { id });
  return answer.value as { organization: string; encryptionKey: string } | null;
}

/** Encrypts one resource for its patient and the author, stores it, builds its anchor. */
export async function prepareRecord(
  context: ImportContext,
  record: PlannedRecord,
  patientKey: string,
): Promise<Transaction> {
  const plaintext = new Blob([JSON.stringify(record.resource)]).stream();
  const recipients = [fromHex(patientKey), fromHex(context.author.encryptionKey)];
  const encrypted = await encryptDocument(plaintext, {
    recordId: record.id,
    version: 1,
    recipients,
  });
  const ciphertext = await readAll(encrypted.ciphertext);
  const result = await encrypted.completion;
  const wraps = result.wraps.map((wrap) => toHex(encodeKeyWrap(wrap)));
  await context.sink.store(result.contentHash, ciphertext, wraps);
  const custodian = context.author.organization;
  const fields = {
    id: record.id,
    resourceType: record.kind.resourceType,
    category: record.kind.category,
    contentHash: result.contentHash,
    sizeBytes: result.sizeBytes,
  };
  const statement = {
    ...fields,
    chainId: context.chainId,
    version: 1,
    patient: record.patient,
    custodian,
  };
  const call = records.anchorRecord({
    ...fields,
    patient: record.patient,
    locator: `vault://${custodian}/${result.contentHash}`,
    author: context.author.id,
    signature: signRecordStatement(context.author.signer, statement),
  });
  const nonce = context.nonce++;
  return buildTransaction({
    ...call,
    chainId: context.chainId,
    signer: context.author.signer,
    nonce,
  });
}

/** Batches of anchors per submission: well under the node's mempool and batch limits. */
const BATCH = 200;

async function submitAll(client: MedchainClient, transactions: Transaction[]): Promise<number> {
  let failed = 0;
  for (const result of await client.submitBatch(transactions)) {
    if ('error' in result) {
      failed++;
    }
  }
  return failed;
}

async function openContext(options: ImportOptions, sink: CiphertextSink): Promise<ImportContext> {
  if (options.key === undefined || options.author === undefined) {
    throw new CliUsageError('--key and --author are needed unless --dry-run');
  }
  const keys = await openKeystore(options.key, options.passphraseEnv);
  const signer = signerFromSeed(keys.signing.seed);
  const client = new MedchainClient({ baseUrl: options.api });
  const author = await memberValue(client, options.author);
  if (author === null) {
    throw new CliError('not_found', `no member ${options.author} on chain`);
  }
  const chainId = await client.chainId();
  const nonce = (await client.account(signer.publicKey)).pendingNonce;
  const { organization, encryptionKey } = author;
  return {
    client,
    chainId,
    author: { id: options.author, signer, organization, encryptionKey },
    sink,
    nonce,
  };
}

async function runImport(path: string, options: ImportOptions): Promise<void> {
  const salt = process.env[options.saltEnv];
  if (salt === undefined || salt.length < 16) {
    throw new CliUsageError(`set ${options.saltEnv} to a secret salt of 16 or more characters`);
  }
  const plan = planImport(loadResources(path), salt);
  const summary = {
    records: plan.planned.length,
    patients: plan.patients,
    skipped: Object.fromEntries(plan.skipped),
    anchored: 0,
    failed: 0,
    patientsNotRegistered: [] as string[],
  };
  if (!options.dryRun) {
    if (options.ciphertextDir === undefined) {
      throw new CliUsageError('--ciphertext-dir is needed: the vault upload is not wired yet');
    }
    await anchorPlan(
      plan.planned,
      await openContext(options, directorySink(options.ciphertextDir)),
      summary,
    );
  }
  if (options.json) {
    printJson(summary);
    return;
  }
  const [verb, count] = options.dryRun
    ? ['would anchor', summary.records]
    : ['anchored', summary.anchored];
  process.stdout.write(
    `${verb} ${count} ` +
      `records for ${summary.patients.length} patients; failed ${summary.failed}; ` +
      `not registered ${summary.patientsNotRegistered.length}\n`,
  );
}

export async function anchorPlan(
  planned: PlannedRecord[],
  context: ImportContext,
  summary: { anchored: number; failed: number; patientsNotRegistered: string[] },
): Promise<void> {
  const keys = new Map<string, string | null>();
  const bar = new ProgressBar({ total: planned.length, label: 'import' });
  let batch: Transaction[] = [];
  const flush = async () => {
    const failed = await submitAll(context.client, batch);
    summary.failed += failed;
    summary.anchored += batch.length - failed;
    batch = [];
  };
  for (const record of planned) {
    if (!keys.has(record.patient)) {
      keys.set(
        record.patient,
        (await memberValue(context.client, record.patient))?.encryptionKey ?? null,
      );
    }
    const patientKey = keys.get(record.patient);
    if (patientKey === null || patientKey === undefined) {
      bar.increment();
      continue;
    }
    batch.push(await prepareRecord(context, record, patientKey));
    if (batch.length >= BATCH) {
      await flush();
    }
    bar.increment();
  }
  await flush();
  bar.finish();
  summary.patientsNotRegistered = [...keys].filter(([, key]) => key === null).map(([id]) => id);
}

export function register(program: Command): void {
  const importCommand = program.command('import').description('load existing records');
  const fhir = importCommand
    .command('fhir')
    .description('encrypt and anchor FHIR resources from NDJSON, a Bundle or a directory')
    .argument('<path>', 'file.ndjson, bundle.json or a directory of them')
    .requiredOption('--salt-env <VAR>', 'variable holding the salt for pseudonymous patient ids')
    .option('--dry-run', 'map and count only; nothing is encrypted or sent', false)
    .option('--key <keystore>', "the authoring clinician's keystore (signs every anchor)")
    .option('--author <member id>', "the authoring clinician's member id")
    .option('--passphrase-env <VAR>', 'read the keystore passphrase from this variable')
    .option('--ciphertext-dir <dir>', 'keep each ciphertext and its key wraps here, by hash')
    .action(async (path: string, options: ImportOptions) => runImport(path, options));
  addApiOptions(fhir);
  addExamples(fhir, [
    'medchain import fhir ./synthea --salt-env MEDCHAIN_IMPORT_SALT --dry-run',
    'medchain import fhir Patient.ndjson --salt-env SALT --key dr.json --author dr-bob \\\n' +
      '      --ciphertext-dir ./ciphertext',
  ]);
}
