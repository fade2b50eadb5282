/**
 * `medchain import fhir <file.ndjson|bundle.json|directory>`: loads existing FHIR records.
 * Each resource is mapped to a pseudonymous patient (a salted hash of the source id, never
 * a name) and a coarse category, encrypted here for the patient and the author, uploaded
 * to the custodian's vault, anchored with records.anchorRecord signed by the clinician,
 * and its key wraps stored once the anchor has committed (the vault only takes wraps for
 * an anchored record). Patients unknown on chain are registered by the organization's
 * admin key, with keystores written for them, when `--admin-key` is given.
 *
 * Restartable: record ids are derived from the source ids, so a second run finds on chain
 * what the first anchored and neither anchors nor uploads it again; the journal
 * (import-journal.ts) carries the key wraps across a crash between anchor and wraps.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { fromHex, toHex } from '../../../protocol/core/bytes.js';
import type { Signer } from '../../../protocol/core/crypto.js';
import type { Transaction } from '../../../protocol/ledger/transaction.js';
import { MedchainClient } from '../../../sdk/client.js';
import { MedchainApiError } from '../../../sdk/errors.js';
import { records, signRecordStatement } from '../../../sdk/health.js';
import { putVaultObject, type VaultUploader } from '../../../sdk/health-records.js';
import { generateParticipantKeys, signerFromSeed } from '../../../sdk/keys.js';
import { encryptKeystore, parseKeystore } from '../../../sdk/keystore.js';
import { buildTransaction, identity } from '../../../sdk/transactions.js';
import { encodeKeyWrap, encryptDocument } from '../../../sdk/vault/index.js';
import {
  ImportInputError,
  loadResources,
  pseudonymousPatientId,
  recordIdFor,
  recordKind,
  type SourceResource,
  sourcePatientOf,
} from '../../api/fhir/import-map.js';
import { isNetworkDirectory, readNetworkFile } from '../../runtime/network-directory.js';
import { replaceFileSync } from '../../runtime/replace-file.js';
import { nodeUploader } from '../../vault/node-uploader.js';
import { nodeChunkCipher, nodeSha256 } from '../../vault/node-vault-crypto.js';
import {
  addApiOptions,
  addExamples,
  CliError,
  CliUsageError,
  ProgressBar,
  type ProgressStream,
  printFields,
  printJson,
} from '../output.js';
import { ImportJournal, type PreparedEntry } from './import-journal.js';
import { openKeystore, readPassphrase } from './keys.js';

export interface ImportOptions {
  api: string;
  json: boolean;
  saltEnv: string;
  dryRun: boolean;
  key?: string;
  author?: string;
  passphraseEnv?: string;
  vault?: string;
  network?: string;
  adminKey?: string;
  patientKeys?: string;
  patientPassphraseEnv?: string;
  journal: string;
}

const MEMBER_ID = /^[a-z0-9-]{3,64}$/;
/** FHIR's id syntax: a resource without one cannot be given a stable record id. */
const FHIR_ID = /^[A-Za-z0-9.-]{1,64}$/;

export type PlannedRecord = {
  resource: SourceResource;
  id: string;
  patient: string;
  kind: NonNullable<ReturnType<typeof recordKind>>;
};

/** Why a resource was not imported: reason → source resource type → count. */
export type Skipped = Record<string, Record<string, number>>;

function skip(skipped: Skipped, reason: string, resourceType: string, by = 1): void {
  const byType = skipped[reason] ?? {};
  skipped[reason] = byType;
  byType[resourceType] = (byType[resourceType] ?? 0) + by;
}

/** Which resources become records, for which pseudonymous patient; the rest is counted. */
export function planImport(resources: SourceResource[], salt: string) {
  const planned: PlannedRecord[] = [];
  const skipped: Skipped = {};
  const patients = new Set<string>();
  const seen = new Set<string>();
  for (const resource of resources) {
    const type = resource.resourceType;
    if (type === 'Patient' && typeof resource.id === 'string' && FHIR_ID.test(resource.id)) {
      patients.add(pseudonymousPatientId(salt, resource.id));
    }
    const kind = recordKind(resource);
    const source = sourcePatientOf(resource);
    if (kind === undefined) {
      skip(skipped, 'not_a_record_type', type);
    } else if (typeof resource.id !== 'string' || !FHIR_ID.test(resource.id)) {
      skip(skipped, 'no_valid_id', type);
    } else if (source === undefined) {
      skip(skipped, 'no_patient_reference', type);
    } else {
      const id = recordIdFor(salt, resource);
      if (seen.has(id)) {
        skip(skipped, 'duplicate_in_input', type);
        continue;
      }
      seen.add(id);
      const patient = pseudonymousPatientId(salt, source);
      patients.add(patient);
      planned.push({ resource, id, patient, kind });
    }
  }
  return { planned, skipped, patients: [...patients].sort() };
}

export interface ImportSummary {
  resourcesRead: number;
  /** Resources that map to records. */
  records: number;
  patients: number;
  /** Anchored by this run. */
  anchored: number;
  /** Found complete on chain and in the vault from an earlier run. */
  alreadyImported: number;
  /** Anchored by an earlier run, key wraps stored by this one. */
  completed: number;
  uploadedObjects: number;
  uploadedBytes: number;
  keyWrapsStored: number;
  patientsRegistered: number;
  skipped: Skipped;
  seconds: number;
}

export interface ImportAuthor {
  id: string;
  signer: Signer;
  organization: string;
  encryptionKey: string;
}

/** Registers patients unknown on chain; their keystores are written before registering. */
export interface PatientRegistrar {
  admin: Signer;
  keysDirectory: string;
  passphrase: string;
}

export interface ImportTarget {
  /** A client of any node, signing requests as the author. */
  client: MedchainClient;
  /** The custodian's node (its vault), signing requests as the author. */
  vault: MedchainClient;
  upload: VaultUploader;
  chainId: string;
  author: ImportAuthor;
  journal: ImportJournal;
  registrar?: PatientRegistrar;
  /** Where progress goes (default stderr). */
  progress?: ProgressStream;
  /** How long to wait for a batch to commit. */
  commitTimeoutMs?: number;
}

/** Records per round trip: one anchor batch, well under the node's batch limits. */
const BATCH = 100;
/** Requests in flight at once: enough to overlap encryption, the vault and the chain. */
const PARALLEL = 4;

type MemberValue = { encryptionKey: string; active: boolean; kind: string };
type Head = { patient: string; custodian: string; latest: { contentHash: string } };

async function parallel<T, R>(items: T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, worker));
  return results;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Submits signed transactions in order and waits for the last admitted one to commit. */
async function submitAndWait(
  client: MedchainClient,
  transactions: Transaction[],
  timeoutMs: number,
): Promise<(string | { error: string })[]> {
  if (transactions.length === 0) {
    return [];
  }
  const results = (await client.submitBatch(transactions)).map((result) =>
    'error' in result ? { error: result.error.code } : result.hash,
  );
  const admitted = results.filter((result): result is string => typeof result === 'string');
  const last = admitted.at(-1);
  const deadline = Date.now() + timeoutMs;
  // One signer, consecutive nonces: once the last admitted one commits, all of them have.
  while (last !== undefined) {
    const found = await client.transaction(last).catch((error: unknown) => {
      if (error instanceof MedchainApiError && error.status === 404) {
        return { status: 'pending' as const };
      }
      throw error;
    });
    if ('receipt' in found) {
      break;
    }
    if (Date.now() > deadline) {
      throw new CliError('timeout', `transactions not committed within ${timeoutMs} ms`);
    }
    await sleep(100);
  }
  return results;
}

async function nextNonce(client: MedchainClient, signer: Signer): Promise<number> {
  return (await client.account(signer.publicKey)).pendingNonce;
}

async function memberValue(client: MedchainClient, id: string): Promise<MemberValue | null> {
  return (await client.query('identity', 'member', { id })).value as MemberValue | null;
}

/**
 * A patient's keystore in the registrar's directory: reused when a crashed run wrote it,
 * so the keys registered on chain are always the ones on disk.
 */
async function patientKeystore(registrar: PatientRegistrar, patient: string) {
  const path = join(registrar.keysDirectory, `${patient}.json`);
  if (existsSync(path)) {
    return { publicKeys: parseKeystore(readFileSync(path, 'utf8')).publicKeys };
  }
  const keys = generateParticipantKeys();
  const file = await encryptKeystore(keys, {
    passphrase: registrar.passphrase,
    label: patient,
    createdAt: new Date(),
  });
  replaceFileSync(path, `${JSON.stringify(file, null, 2)}\n`, 0o600);
  return { publicKeys: file.publicKeys };
}

/** Encryption keys of the plan's patients; registers the unknown ones when it may. */
async function resolvePatients(
  target: ImportTarget,
  patients: string[],
  summary: ImportSummary,
): Promise<Map<string, string | { skip: string }>> {
  const keys = new Map<string, string | { skip: string }>();
  const unknown: string[] = [];
  const found = await parallel(patients, (id) => memberValue(target.client, id));
  patients.forEach((id, index) => {
    const member = found[index] ?? null;
    if (member === null) {
      unknown.push(id);
    } else if (member.kind !== 'patient') {
      keys.set(id, { skip: 'patient_id_taken' });
    } else {
      keys.set(id, member.active ? member.encryptionKey : { skip: 'patient_inactive' });
    }
  });
  const { registrar } = target;
  if (registrar === undefined) {
    for (const id of unknown) {
      keys.set(id, { skip: 'patient_not_registered' });
    }
    return keys;
  }
  mkdirSync(registrar.keysDirectory, { recursive: true, mode: 0o700 });
  for (let start = 0; start < unknown.length; start += BATCH) {
    const batch = unknown.slice(start, start + BATCH);
    let nonce = await nextNonce(target.client, registrar.admin);
    const transactions: Transaction[] = [];
    for (const id of batch) {
      const { publicKeys } = await patientKeystore(registrar, id);
      const call = identity.registerMember({
        id,
        kind: 'patient',
        signingKey: publicKeys.signing,
        encryptionKey: publicKeys.encryption,
      });
      const signer = registrar.admin;
      transactions.push(buildTransaction({ ...call, chainId: target.chainId, signer, nonce }));
      nonce++;
    }
    await submitAndWait(target.client, transactions, target.commitTimeoutMs ?? 60_000);
    const registered = await parallel(batch, (id) => memberValue(target.client, id));
    batch.forEach((id, index) => {
      const member = registered[index] ?? null;
      if (member === null) {
        keys.set(id, { skip: 'patient_registration_refused' });
      } else {
        keys.set(id, member.encryptionKey);
        summary.patientsRegistered++;
      }
    });
  }
  return keys;
}

/** Streams one ciphertext to the custodian's vault; content-addressed, so a repeat is 200. */
async function uploadObject(target: ImportTarget, bytes: Uint8Array) {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
  const answer = await putVaultObject(target.upload, {
    vaultUrl: target.vault.baseUrl,
    signer: target.author.signer,
    body,
    sizeBytes: bytes.length,
  });
  if (answer.status !== 200 && answer.status !== 201) {
    const problem = (() => {
      try {
        return (JSON.parse(answer.text) as { code?: string }).code;
      } catch {
        return undefined;
      }
    })();
    throw new CliError(problem ?? `http_${answer.status}`, 'the vault refused the upload');
  }
  return JSON.parse(answer.text) as { hash: string; sizeBytes: number };
}

/** Encrypts one resource for its patient and the author and uploads the ciphertext. */
async function prepareRecord(
  target: ImportTarget,
  record: PlannedRecord,
  patientKey: string,
): Promise<PreparedEntry> {
  const plaintext = new Blob([JSON.stringify(record.resource)]).stream();
  const recipients = [...new Set([patientKey, target.author.encryptionKey])].map(fromHex);
  const encrypted = await encryptDocument(plaintext, {
    recordId: record.id,
    version: 1,
    recipients,
    sha256: nodeSha256,
    cipher: nodeChunkCipher,
  });
  const ciphertext = new Uint8Array(await new Response(encrypted.ciphertext).arrayBuffer());
  const result = await encrypted.completion;
  const stored = await uploadObject(target, ciphertext);
  if (stored.hash !== result.contentHash) {
    throw new CliError('hash_mismatch', 'the vault stored other bytes');
  }
  const wraps: Record<string, string> = {};
  for (const wrap of result.wraps) {
    wraps[wrap.recipient] = toHex(encodeKeyWrap(wrap));
  }
  return { id: record.id, hash: result.contentHash, sizeBytes: result.sizeBytes, wraps };
}

function anchorTransaction(
  target: ImportTarget,
  record: PlannedRecord,
  entry: PreparedEntry,
  nonce: number,
): Transaction {
  const custodian = target.author.organization;
  const fields = {
    id: record.id,
    resourceType: record.kind.resourceType,
    category: record.kind.category,
    contentHash: entry.hash,
    sizeBytes: entry.sizeBytes,
  };
  const statement = {
    ...fields,
    chainId: target.chainId,
    version: 1,
    patient: record.patient,
    custodian,
  };
  const call = records.anchorRecord({
    ...fields,
    patient: record.patient,
    locator: `vault://${custodian}/${entry.hash}`,
    author: target.author.id,
    signature: signRecordStatement(target.author.signer, statement),
  });
  return buildTransaction({
    ...call,
    chainId: target.chainId,
    signer: target.author.signer,
    nonce,
  });
}

const vaultHeaders = (id: string) => ({ 'x-medchain-record': id, 'x-medchain-version': '1' });

async function putWraps(target: ImportTarget, entry: PreparedEntry): Promise<number> {
  let stored = 0;
  for (const [recipient, wrap] of Object.entries(entry.wraps)) {
    const path = `/v1/vault/objects/${entry.hash}/keys/${recipient}`;
    const response = await target.vault.request('PUT', path, {
      body: fromHex(wrap),
      headers: vaultHeaders(entry.id),
    });
    await response.arrayBuffer();
    stored++;
  }
  return stored;
}

/** Whether the vault already holds the author's key wrap for an anchored record. */
async function hasAuthorWrap(target: ImportTarget, id: string, hash: string): Promise<boolean> {
  const path = `/v1/vault/objects/${hash}/keys/${target.author.encryptionKey}`;
  try {
    const response = await target.vault.request('GET', path, { headers: vaultHeaders(id) });
    await response.arrayBuffer();
    return true;
  } catch (error) {
    if (error instanceof MedchainApiError && error.status === 404) {
      return false;
    }
    throw error;
  }
}

async function heads(target: ImportTarget, batch: PlannedRecord[]): Promise<(Head | null)[]> {
  return parallel(
    batch,
    async (record) =>
      (await target.client.query('records', 'record', { id: record.id })).value as Head | null,
  );
}

async function failureReason(target: ImportTarget, hash: string | { error: string }) {
  if (typeof hash !== 'string') {
    return `anchor_rejected:${hash.error}`;
  }
  const found = await target.client.transaction(hash);
  return 'receipt' in found ? `anchor_refused:${found.receipt.name}` : 'anchor_pending';
}

/** One batch: decide from chain state, upload and anchor what is new, store wraps. */
async function importBatch(
  target: ImportTarget,
  batch: PlannedRecord[],
  patientKeys: Map<string, string | { skip: string }>,
  summary: ImportSummary,
): Promise<void> {
  const { journal } = target;
  const before = await heads(target, batch);
  const toPrepare: PlannedRecord[] = [];
  const toWrap: PreparedEntry[] = [];
  const toCheck: { record: PlannedRecord; head: Head }[] = [];
  batch.forEach((record, index) => {
    const head = before[index] ?? null;
    const key = patientKeys.get(record.patient);
    if (head !== null) {
      const entry = journal.preparedEntry(record.id);
      if (head.patient !== record.patient || head.custodian !== target.author.organization) {
        skip(summary.skipped, 'record_id_taken', record.resource.resourceType);
      } else if (journal.isDone(record.id)) {
        summary.alreadyImported++;
      } else if (entry !== undefined && entry.hash === head.latest.contentHash) {
        toWrap.push(entry);
      } else {
        toCheck.push({ record, head });
      }
    } else if (typeof key !== 'string') {
      skip(summary.skipped, key?.skip ?? 'patient_unknown', record.resource.resourceType);
    } else {
      toPrepare.push(record);
    }
  });
  // Anchored by an earlier run that crashed before storing the wraps: finish them.
  summary.completed += toWrap.length;
  for (const { record, head } of toCheck) {
    if (await hasAuthorWrap(target, record.id, head.latest.contentHash)) {
      summary.alreadyImported++;
    } else {
      // Anchored by a run whose journal is gone: the document key cannot be recovered.
      skip(summary.skipped, 'anchored_without_key_wraps', record.resource.resourceType);
    }
  }
  const prepared = await parallel(toPrepare, (record) =>
    prepareRecord(target, record, patientKeys.get(record.patient) as string),
  );
  for (const entry of prepared) {
    journal.addPrepared(entry);
    summary.uploadedObjects++;
    summary.uploadedBytes += entry.sizeBytes;
  }
  // Durable before anchoring: a committed anchor without its wraps on disk is unreadable.
  journal.flush();
  let nonce = await nextNonce(target.client, target.author.signer);
  const anchors = toPrepare.map((record, index) =>
    anchorTransaction(target, record, prepared[index] as PreparedEntry, nonce++),
  );
  const submitted = await submitAndWait(target.client, anchors, target.commitTimeoutMs ?? 60_000);
  const after = await heads(target, toPrepare);
  for (const [index, record] of toPrepare.entries()) {
    const entry = prepared[index] as PreparedEntry;
    if (after[index]?.latest.contentHash === entry.hash) {
      summary.anchored++;
      toWrap.push(entry);
    } else {
      const reason = await failureReason(target, submitted[index] ?? { error: 'not_sent' });
      skip(summary.skipped, reason, record.resource.resourceType);
    }
  }
  const wrapped = await parallel(toWrap, async (entry) => {
    const count = await putWraps(target, entry);
    journal.markDone(entry.id);
    return count;
  });
  summary.keyWrapsStored += wrapped.reduce((sum, count) => sum + count, 0);
  journal.flush();
}

function newSummary(resources: SourceResource[], plan: ReturnType<typeof planImport>) {
  return {
    resourcesRead: resources.length,
    records: plan.planned.length,
    patients: plan.patients.length,
    anchored: 0,
    alreadyImported: 0,
    completed: 0,
    uploadedObjects: 0,
    uploadedBytes: 0,
    keyWrapsStored: 0,
    patientsRegistered: 0,
    skipped: plan.skipped,
    seconds: 0,
  };
}

/** Imports the planned records into the chain and the custodian's vault. */
export async function importResources(
  target: ImportTarget,
  resources: SourceResource[],
  salt: string,
): Promise<ImportSummary> {
  const started = performance.now();
  const plan = planImport(resources, salt);
  const summary: ImportSummary = newSummary(resources, plan);
  const patientKeys = await resolvePatients(target, plan.patients, summary);
  const bar = new ProgressBar({
    total: plan.planned.length,
    label: 'import',
    plainIntervalMs: 5_000,
    ...(target.progress === undefined ? {} : { stream: target.progress }),
  });
  for (let start = 0; start < plan.planned.length; start += BATCH) {
    const batch = plan.planned.slice(start, start + BATCH);
    await importBatch(target, batch, patientKeys, summary);
    bar.increment(batch.length);
  }
  bar.finish();
  summary.seconds = Math.round(performance.now() - started) / 1000;
  return summary;
}

function vaultUrlFor(options: ImportOptions, organization: string): string {
  if (options.vault !== undefined) {
    return options.vault;
  }
  if (options.network !== undefined) {
    if (!isNetworkDirectory(options.network)) {
      throw new CliUsageError(`${options.network} has no network.json`);
    }
    const node = readNetworkFile(options.network).nodes.find(
      (entry) => entry.organization === organization,
    );
    if (node !== undefined) {
      return `http://${node.api}`;
    }
  }
  return options.api;
}

async function openRegistrar(options: ImportOptions): Promise<PatientRegistrar | undefined> {
  if (options.adminKey === undefined) {
    return undefined;
  }
  if (options.patientKeys === undefined || options.patientPassphraseEnv === undefined) {
    throw new CliUsageError(
      '--admin-key registers patients: give --patient-keys <dir> and --patient-passphrase-env',
    );
  }
  const admin = await openKeystore(options.adminKey, options.passphraseEnv);
  const passphrase = await readPassphrase({
    envName: options.patientPassphraseEnv,
    confirm: false,
  });
  if (passphrase.length < 8) {
    throw new CliUsageError('the patient keystore passphrase needs 8 or more characters');
  }
  return {
    admin: signerFromSeed(admin.signing.seed),
    keysDirectory: options.patientKeys,
    passphrase,
  };
}

export async function openTarget(options: ImportOptions): Promise<ImportTarget> {
  if (options.key === undefined || options.author === undefined) {
    throw new CliUsageError('--key and --author are needed unless --dry-run');
  }
  if (!MEMBER_ID.test(options.author)) {
    throw new CliUsageError('--author must be a member id (3-64 of a-z, 0-9, -)');
  }
  const keys = await openKeystore(options.key, options.passphraseEnv);
  const signer = signerFromSeed(keys.signing.seed);
  const client = new MedchainClient({ baseUrl: options.api, auth: signer });
  const author = await memberValue(client, options.author);
  if (author === null) {
    throw new CliError('not_found', `no member ${options.author} on chain`);
  }
  const { organization } = author as MemberValue & { organization: string };
  if (author.encryptionKey !== toHex(keys.encryption.publicKey)) {
    throw new CliUsageError(`--key is not the keystore of ${options.author}`);
  }
  const registrar = await openRegistrar(options);
  const vault = new MedchainClient({ baseUrl: vaultUrlFor(options, organization), auth: signer });
  return {
    client,
    vault,
    upload: nodeUploader,
    chainId: await client.chainId(),
    author: { id: options.author, signer, organization, encryptionKey: author.encryptionKey },
    journal: ImportJournal.open(options.journal),
    ...(registrar === undefined ? {} : { registrar }),
  };
}

/** Runs the command; answers the summary it printed. */
export async function runImport(path: string, options: ImportOptions): Promise<ImportSummary> {
  const salt = process.env[options.saltEnv];
  if (salt === undefined || salt.length < 16) {
    throw new CliUsageError(`set ${options.saltEnv} to a secret salt of 16 or more characters`);
  }
  let resources: SourceResource[];
  try {
    resources = loadResources(path);
  } catch (error) {
    if (error instanceof ImportInputError) {
      throw new CliError(error.code, error.message);
    }
    throw error;
  }
  let summary: ImportSummary;
  if (options.dryRun) {
    summary = newSummary(resources, planImport(resources, salt));
  } else {
    summary = await importResources(await openTarget(options), resources, salt);
  }
  if (options.json) {
    printJson(summary);
  } else {
    printSummary(summary, options.dryRun);
  }
  return summary;
}

function printSummary(summary: ImportSummary, dryRun: boolean): void {
  const rows: [string, string | number][] = [
    ['resources read', summary.resourcesRead],
    ['records', `${summary.records} for ${summary.patients} patients`],
  ];
  if (!dryRun) {
    rows.push(
      ['records anchored', summary.anchored],
      ['already imported', summary.alreadyImported],
      ['finished (journal)', summary.completed],
      ['bytes uploaded', `${summary.uploadedBytes} in ${summary.uploadedObjects} objects`],
      ['key wraps stored', summary.keyWrapsStored],
      ['patients registered', summary.patientsRegistered],
      ['time', `${summary.seconds} s`],
    );
  }
  const reasons = Object.entries(summary.skipped);
  const total = reasons.reduce(
    (sum, [, byType]) => sum + Object.values(byType).reduce((a, b) => a + b, 0),
    0,
  );
  rows.push(['skipped', total]);
  printFields(rows);
  for (const [reason, byType] of reasons) {
    const types = Object.entries(byType).map(([type, count]) => `${type} ${count}`);
    process.stdout.write(`  ${reason}: ${types.join(', ')}\n`);
  }
}

export function register(program: Command): void {
  const importCommand = program.command('import').description('load existing records');
  const fhir = importCommand
    .command('fhir')
    .description('encrypt, upload and anchor FHIR resources from NDJSON, a Bundle or a directory')
    .argument('<path>', 'file.ndjson, bundle.json or a directory of them')
    .requiredOption('--salt-env <VAR>', 'variable holding the salt for pseudonymous patient ids')
    .option('--dry-run', 'map and count only; nothing is encrypted or sent', false)
    .option('--key <keystore>', "the authoring clinician's keystore (signs every anchor)")
    .option('--author <member id>', "the authoring clinician's member id")
    .option('--passphrase-env <VAR>', 'read keystore passphrases from this variable')
    .option('--vault <url>', "the custodian's node API (its vault); default from --network")
    .option(
      '--network <dir>',
      'network directory: finds the custodian organization node (env MEDCHAIN_NETWORK)',
      process.env.MEDCHAIN_NETWORK,
    )
    .option('--admin-key <keystore>', 'organization admin keystore: registers unknown patients')
    .option('--patient-keys <dir>', 'where keystores of newly registered patients are written')
    .option('--patient-passphrase-env <VAR>', 'passphrase that encrypts those keystores')
    .option(
      '--journal <file>',
      'progress kept for a re-run after a crash',
      'medchain-import.journal',
    )
    .action(async (path: string, options: ImportOptions) => {
      await runImport(path, options);
    });
  addApiOptions(fhir);
  addExamples(fhir, [
    'medchain import fhir ./synthea --salt-env MEDCHAIN_IMPORT_SALT --dry-run',
    'medchain import fhir Condition.ndjson --salt-env SALT --key dr.json --author dr-bob \\\n' +
      '      --network .medchain --admin-key .medchain/keys/org-general-hospital-admin.json \\\n' +
      '      --patient-keys ./patient-keys --patient-passphrase-env PATIENT_PASSPHRASE',
  ]);
}
