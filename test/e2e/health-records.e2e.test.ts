/**
 * Health records through the four-validator network, as real processes: a hospital
 * clinician writes an encrypted record for patient P; a clinic clinician is refused; P
 * grants the clinic "laboratory" for 30 days and the clinic reads and decrypts; P's access
 * list shows the read; P revokes and the next read is refused; an emergency clinician's
 * break-glass read is flagged to P; P's erasure makes reads 410 and leaves a tombstone; the
 * chain still verifies. Also: tampered ciphertext is caught, a wrong key cannot decrypt,
 * and no byte of any node's database holds the plaintext's names or diagnoses.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { nodeUploader } from '../../src/node/vault/node-uploader.js';
import { toHex } from '../../src/protocol/core/bytes.js';
import type { Signer } from '../../src/protocol/core/crypto.js';
import { MedchainClient } from '../../src/sdk/client.js';
import { MedchainApiError } from '../../src/sdk/errors.js';
import { HealthRecords } from '../../src/sdk/health-records.js';
import {
  generateParticipantKeys,
  type ParticipantKeys,
  signerFromSeed,
} from '../../src/sdk/keys.js';
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

    await checkTamperAndWrongKey({ author, patient, reader });

    const { receipt } = await patient.records.erase(record.id);
    assert.match(receipt, /^[0-9a-f]{64}$/);
    assert.equal((await refusal(patient.records.readRecord(record.id))).status, 410);
    const head = (await patient.records.record(record.id)) as { status: string };
    assert.equal(head.status, 'erased');

    await Promise.all(processes.map((node) => stopNode(node)));
    for (const name of network.names) {
      const run = runCli(['verify', nodeDirectory(network.dir, name)]);
      assert.equal(run.status, 0, `verify ${name}:\n${run.stdout}${run.stderr}`);
    }
    assertNoPhi(network.dir);
  });
});

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
