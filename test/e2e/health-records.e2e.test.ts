/**
 * Health records through the four-validator network, as real processes: a hospital
 * clinician writes an encrypted record for patient P; a clinic clinician is refused; P
 * grants the clinic "laboratory" for 30 days and the clinic reads and decrypts; P's access
 * list shows the read; P revokes and the next read is refused; an emergency clinician's
 * break-glass read is flagged to P, and the hospital's escrow releases the key so the
 * clinician decrypts, the release itself in P's log; a clinician without a break-glass
 * gets no release, nor does anyone for a record P opted out of escrow; P's erasure makes
 * reads and releases 410 and leaves a tombstone; the chain still verifies. Also: tampered
 * ciphertext is caught, a wrong key cannot decrypt, no byte of any node's database holds
 * the plaintext's names or diagnoses, and no file of the hospital's node (its vault
 * included) holds the escrow secret key.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { nodeUploader } from '../../src/node/vault/node-uploader.js';
import { toHex } from '../../src/protocol/core/bytes.js';
import type { Signer } from '../../src/protocol/core/crypto.js';
import { MedchainClient } from '../../src/sdk/client.js';
import { MedchainApiError } from '../../src/sdk/errors.js';
import { HealthRecordError, HealthRecords } from '../../src/sdk/health-records.js';
import {
  generateParticipantKeys,
  type ParticipantKeys,
  signerFromSeed,
} from '../../src/sdk/keys.js';
import { decryptKeystore, parseKeystore, plaintextKeystore } from '../../src/sdk/keystore.js';
import { bodySha256Hex, signRequestHeaders } from '../../src/sdk/request-auth.js';
import { identity } from '../../src/sdk/transactions.js';
import { decodeKeyWrap, unwrapDocumentKey } from '../../src/sdk/vault/index.js';
import {
  initNetwork,
  NodeRegistry,
  nodeDirectory,
  removeDirectory,
  stopNode,
  type TestNetwork,
  temporaryDirectory,
} from '../../src/testing/e2e.js';
import {
  adminKeyPath,
  keystoreSigner,
  type NodeProcess,
  runCli,
  startValidator,
} from '../../src/testing/node-process.js';

const HOSPITAL = 'org-general-hospital';
const CLINIC = 'org-riverside-clinic';
const PHI = ['Jane Roe', 'Type 2 diabetes mellitus', 'Metformin 500 mg'];
const NOTE = `Patient: Jane Roe. Assessment: Type 2 diabetes mellitus. Plan: Metformin 500 mg.`;
const DAY_MS = 24 * 60 * 60 * 1000;
const EMPTY = bodySha256Hex(undefined);

const registry = new NodeRegistry();
const processes: NodeProcess[] = [];
let network: TestNetwork;
const urlOf = (index: number) => `http://127.0.0.1:${network.port + index}`;
const sha256 = () => {
  const hash = createHash('sha256');
  return { update: (bytes: Uint8Array) => void hash.update(bytes), digest: () => hash.digest() };
};

interface Actor {
  id: string;
  keys: ParticipantKeys;
  records: HealthRecords;
}

function actor(id: string, nodeIndex: number): Actor {
  const keys = generateParticipantKeys();
  const signer = signerFromSeed(keys.signing.seed);
  const client = new MedchainClient({ baseUrl: urlOf(nodeIndex), auth: signer });
  const records = new HealthRecords({
    client,
    member: id,
    signer,
    encryptionSecretKey: keys.encryption.secretKey,
    encryptionPublicKey: keys.encryption.publicKey,
    vaults: { [HOSPITAL]: urlOf(0), [CLINIC]: urlOf(1) },
    upload: nodeUploader,
    sha256,
  });
  return { id, keys, records };
}

async function register(admin: Signer, member: Actor, kind: string, roles?: string[]) {
  const client = new MedchainClient({ baseUrl: urlOf(0) });
  const submission = await client.send(
    admin,
    identity.registerMember({
      id: member.id,
      kind: kind as 'patient',
      signingKey: toHex(member.keys.signing.publicKey),
      encryptionKey: toHex(member.keys.encryption.publicKey),
      ...(roles === undefined ? {} : { roles, displayName: member.id }),
    }),
    { timeoutMs: 15_000 },
  );
  assert.equal(submission.status === 'committed' && submission.receipt.code, 0);
}

async function refusal(action: Promise<unknown>): Promise<{ status: number; code: string }> {
  try {
    await action;
  } catch (error) {
    if (error instanceof MedchainApiError) {
      return { status: error.status, code: error.code };
    }
    throw error;
  }
  assert.fail('the request was served');
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

before(async () => {
  network = await initNetwork(temporaryDirectory('health'), 4);
  await Promise.all(
    network.names.map(async (name, index) => {
      const dir = nodeDirectory(network.dir, name);
      processes[index] = registry.add(await startValidator(dir, urlOf(index)));
    }),
  );
});

after(async () => {
  await registry.killAll();
  removeDirectory(network.dir);
});

describe('health records through four validators', { timeout: 90_000 }, () => {
  it('runs the consent, audit and erasure scenario, with no PHI on chain', async () => {
    const hospitalAdmin = await keystoreSigner(adminKeyPath(network.dir, HOSPITAL));
    const clinicAdmin = await keystoreSigner(adminKeyPath(network.dir, CLINIC));
    const patient = actor('pt-4c81e2', 0);
    const author = actor('dr-hana', 0);
    const reader = actor('dr-cole', 1);
    const emergency = actor('dr-erin', 1);
    await register(hospitalAdmin, patient, 'patient');
    await register(hospitalAdmin, author, 'practitioner', ['clinician']);
    await register(clinicAdmin, reader, 'practitioner', ['clinician']);
    await register(clinicAdmin, emergency, 'practitioner', ['clinician', 'emergency']);

    const record = await author.records.addRecord({
      patient: patient.id,
      resourceType: 'DiagnosticReport',
      category: 'laboratory',
      content: new TextEncoder().encode(NOTE),
    });
    assert.equal(text(await patient.records.readRecord(record.id)), NOTE);

    // Without consent the clinic is refused, by the node's state policy and by the vault.
    const refused = await refusal(reader.records.readRecord(record.id));
    assert.deepEqual(refused, { status: 403, code: 'forbidden' });
    const direct = await vaultGet(reader, record);
    assert.equal(direct.status, 403);
    assert.equal(direct.headers.get('content-type'), 'application/problem+json');

    const { grant, wrapped } = await patient.records.grant({
      granteeKind: 'organization',
      grantee: CLINIC,
      categories: ['laboratory'],
      purpose: 'treatment',
      durationMs: 30 * DAY_MS,
      readers: [reader.id],
    });
    assert.ok(wrapped >= 1);
    assert.equal(text(await reader.records.readRecord(record.id)), NOTE);
    const accesses = (await patient.records.accesses()) as { accessor: string; basisId: string }[];
    assert.ok(accesses.some((entry) => entry.accessor === reader.id && entry.basisId === grant));

    await patient.records.revoke(grant);
    assert.equal((await refusal(reader.records.readRecord(record.id))).status, 403);
    assert.equal((await vaultGet(reader, record)).status, 403);

    // Break-glass: authorized, audited, and flagged in the patient's log.
    assert.equal(record.escrow, 'held');
    await emergency.records.breakGlass({
      patient: patient.id,
      reason: 'patient-unconscious',
      justification: 'unresponsive on arrival',
      durationMs: 15 * 60_000,
    });
    await emergency.records.fetchCiphertext(record.id);
    const log = (await patient.records.accesses()) as { kind: string; basis?: string }[];
    assert.ok(log.some((entry) => entry.kind === 'break_glass'));
    assert.ok(log.some((entry) => entry.kind === 'access' && entry.basis === 'break_glass'));

    await checkEmergencyRelease({ patient, author, reader, emergency }, record);
    await checkTamperAndWrongKey({ author, patient, reader });

    const { receipt } = await patient.records.erase(record.id);
    assert.match(receipt, /^[0-9a-f]{64}$/);
    assert.equal((await refusal(patient.records.readRecord(record.id))).status, 410);
    // Erasure took the escrow wrap with it: nothing is left to release.
    assert.deepEqual(await refusal(askForRelease(emergency, record)), {
      status: 410,
      code: 'gone',
    });
    const head = (await patient.records.record(record.id)) as { status: string };
    assert.equal(head.status, 'erased');

    await Promise.all(processes.map((node) => stopNode(node)));
    for (const name of network.names) {
      const run = runCli(['verify', nodeDirectory(network.dir, name)]);
      assert.equal(run.status, 0, `verify ${name}:\n${run.stdout}${run.stderr}`);
    }
    assertNoPhi(network.dir);
    await assertEscrowKeyOutsideNode(network.dir);
  });
});

/**
 * The emergency clinician decrypts through the hospital's escrow, and the release is in the
 * patient's log; the clinic clinician without a break-glass gets no release; a record the
 * patient opted out of escrow gives ciphertext only, and says so.
 */
async function checkEmergencyRelease(
  people: { patient: Actor; author: Actor; reader: Actor; emergency: Actor },
  record: { id: string; contentHash: string },
) {
  const { patient, author, reader, emergency } = people;
  const opened = await emergency.records.openRecord(record.id);
  assert.equal(text(opened.plaintext), NOTE);
  assert.equal(opened.keySource, 'emergency');
  const log = (await patient.records.accesses()) as {
    kind: string;
    accessor?: string;
    keyRelease?: string;
    transaction?: string;
  }[];
  const released = log.filter((entry) => entry.keyRelease === 'escrow');
  assert.equal(released.length, 1);
  assert.equal(released[0]?.accessor, emergency.id);
  assert.equal(released[0]?.transaction, opened.release?.audit);

  // The same from the command line: `medchain break-glass`, then `medchain record read`.
  const key = join(network.dir, `${emergency.id}.json`);
  writeFileSync(
    key,
    JSON.stringify(
      plaintextKeystore(emergency.keys, { label: emergency.id, createdAt: new Date() }),
    ),
    { mode: 0o600 },
  );
  const as = ['--as', emergency.id, '--key', key, '--network', network.dir, '--api', urlOf(1)];
  const glass = runCli([
    'break-glass',
    ...as,
    '--patient',
    patient.id,
    '--reason',
    'life-threatening',
    '--justification',
    'arrest in the ward',
  ]);
  assert.equal(glass.status, 0, glass.stderr);
  const read = runCli(['record', 'read', record.id, ...as]);
  assert.equal(read.status, 0, read.stderr);
  assert.equal(read.stdout, NOTE);
  assert.match(read.stderr, /emergency key release under break-glass [0-9a-f]{64}/);

  // No break-glass, no release: the reader's grant was revoked and it is not an emergency.
  // The node's state policy already hides the anchor from it; the vault refuses on its own.
  assert.equal((await refusal(reader.records.releaseEmergencyKey(record.id))).status, 403);
  assert.equal((await refusal(reader.records.readRecord(record.id))).status, 403);
  const own = await refusal(askForRelease(reader, record));
  assert.deepEqual(own, { status: 403, code: 'break_glass_required' });
  // Nor by naming the emergency clinician's key: a key goes only to the caller's own.
  const stolen = await refusal(askForRelease(reader, record, emergency.keys.encryption.publicKey));
  assert.deepEqual(stolen, { status: 403, code: 'forbidden' });

  // Opted out at authoring, at the patient's request: the break-glass reader gets nothing.
  const declined = await author.records.addRecord({
    patient: patient.id,
    resourceType: 'Condition',
    category: 'clinical-note',
    content: new TextEncoder().encode(`${NOTE} Declined escrow.`),
    escrow: false,
  });
  assert.equal(declined.escrow, 'declined');
  await assert.rejects(
    emergency.records.readRecord(declined.id),
    (error) => error instanceof HealthRecordError && error.code === 'escrow_declined',
  );
  assert.ok((await emergency.records.fetchCiphertext(declined.id)).length > 0);
  // The patient can still read it, and can opt an escrowed record out afterwards.
  assert.match(text(await patient.records.readRecord(declined.id)), /Declined escrow/);
  assert.equal(await patient.records.declineEscrow(record.id), 1);
  await assert.rejects(
    emergency.records.releaseEmergencyKey(record.id),
    (error) => error instanceof HealthRecordError && error.code === 'escrow_declined',
  );
}

/** A signed emergency-release request straight to the hospital's vault. */
function askForRelease(who: Actor, record: { id: string; contentHash: string }, key?: Uint8Array) {
  const recipient = toHex(key ?? who.keys.encryption.publicKey);
  const signed = new MedchainClient({
    baseUrl: urlOf(0),
    auth: signerFromSeed(who.keys.signing.seed),
  });
  return signed.request(
    'POST',
    `/v1/vault/objects/${record.contentHash}/emergency-release/${recipient}`,
    { headers: { 'x-medchain-record': record.id, 'x-medchain-version': '1' } },
  );
}

/** The escrow secret lives in keys/, not in the node directory a vault disk belongs to. */
async function assertEscrowKeyOutsideNode(dir: string): Promise<void> {
  const path = join(dir, 'keys', `${HOSPITAL}-escrow.json`);
  const keys = await decryptKeystore(parseKeystore(readFileSync(path, 'utf8')), '');
  const secret = Buffer.from(keys.encryption.secretKey);
  const needles = [
    secret,
    Buffer.from(secret.toString('hex')),
    Buffer.from(secret.toString('base64')),
  ];
  const nodeDir = nodeDirectory(dir, 'hospital');
  const walk = (at: string): string[] =>
    readdirSync(at, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? walk(join(at, entry.name)) : [join(at, entry.name)],
    );
  const files = walk(nodeDir);
  assert.ok(files.some((file) => relative(nodeDir, file).startsWith('vault')));
  for (const file of files) {
    const content = readFileSync(file);
    for (const needle of needles) {
      assert.equal(content.indexOf(needle), -1, `${file} holds the escrow secret key`);
    }
  }
}

/** The reader's signed GET of the object straight from the hospital's vault, unwrapped. */
async function vaultGet(who: Actor, record: { id: string; contentHash: string }) {
  const path = `/v1/vault/objects/${record.contentHash}`;
  const signer = signerFromSeed(who.keys.signing.seed);
  const headers = {
    'x-medchain-record': record.id,
    'x-medchain-version': '1',
    ...signRequestHeaders(signer, { method: 'GET', pathAndQuery: path, bodySha256: EMPTY }),
  };
  const response = await fetch(`${urlOf(0)}${path}`, { headers });
  await response.arrayBuffer();
  return response;
}

/** A flipped ciphertext byte in the vault is caught; another member's key cannot unwrap. */
async function checkTamperAndWrongKey(people: { author: Actor; patient: Actor; reader: Actor }) {
  const { author, patient, reader } = people;
  const second = await author.records.addRecord({
    patient: patient.id,
    resourceType: 'Condition',
    category: 'clinical-note',
    content: new TextEncoder().encode(`${NOTE} Follow-up in 3 months.`),
  });
  const ciphertext = await patient.records.fetchCiphertext(second.id);
  const vaultDir = join(nodeDirectory(network.dir, 'hospital'), 'vault', 'objects');
  const path = join(vaultDir, second.contentHash.slice(0, 2), second.contentHash.slice(2, 4));
  const file = join(path, second.contentHash);
  const bytes = readFileSync(file);
  bytes[bytes.length - 20] = bytes[bytes.length - 20]! ^ 0x01;
  writeFileSync(file, bytes);
  await assert.rejects(patient.records.readRecord(second.id), /content|authentic|hash/i);

  const mine = toHex(patient.keys.encryption.publicKey);
  const wrapUrl = `${urlOf(0)}/v1/vault/objects/${second.contentHash}/keys/${mine}`;
  const signed = new MedchainClient({
    baseUrl: urlOf(0),
    auth: signerFromSeed(patient.keys.signing.seed),
  });
  const wrapResponse = await signed.request('GET', new URL(wrapUrl).pathname, {
    headers: { 'x-medchain-record': second.id, 'x-medchain-version': '1' },
  });
  const wrap = decodeKeyWrap(mine, new Uint8Array(await wrapResponse.arrayBuffer()));
  const binding = { recordId: second.id, version: 1, contentHash: second.contentHash };
  await assert.rejects(
    unwrapDocumentKey({ wrap, binding, recipientSecretKey: reader.keys.encryption.secretKey }),
    (error: { code?: string }) => error.code === 'key_unwrap_failed',
  );
  assert.ok(ciphertext.length > NOTE.length);
}

/** Every byte of every node's database and WAL, as UTF-8, UTF-16 and base64 needles. */
function assertNoPhi(dir: string): void {
  const needles = PHI.flatMap((phrase) => [
    Buffer.from(phrase, 'utf8'),
    Buffer.from(phrase, 'utf16le'),
    Buffer.from(Buffer.from(phrase, 'utf8').toString('base64').slice(0, 12), 'utf8'),
    Buffer.from(phrase.toLowerCase(), 'utf8'),
  ]);
  let scanned = 0;
  for (const name of network.names) {
    const nodeDir = nodeDirectory(dir, name);
    for (const file of readdirSync(nodeDir)) {
      const path = join(nodeDir, file);
      if (!file.startsWith('chain.sqlite') || !statSync(path).isFile()) {
        continue;
      }
      const content = readFileSync(path);
      scanned += content.length;
      for (const needle of needles) {
        assert.equal(content.indexOf(needle), -1, `${path} holds PHI`);
      }
    }
  }
  assert.ok(scanned > 0);
}
