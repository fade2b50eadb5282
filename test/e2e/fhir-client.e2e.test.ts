/**
 * The health-records scenario through the FHIR R4 facade with a standard FHIR client
 * (fhir-kit-client), each member holding a bearer token from the challenge–response flow:
 * a hospital clinician creates a DocumentReference for patient P (ciphertext uploaded to
 * the vault first, the facade submitting the clinician's own signed anchor); the clinic's
 * read is refused with 403 and an OperationOutcome; P grants the clinic "laboratory"; the
 * clinic reads the DocumentReference and decrypts the document it points to; search by
 * patient returns P's record and never another patient's; P's AuditEvent search shows the
 * clinic's read; after P revokes, the read is refused again. One node, its own process.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Bundle, DocumentReference, OperationOutcome } from '@medplum/fhirtypes';
import { Client } from 'fhir-kit-client';
import { nodeUploader } from '../../src/node/vault/node-uploader.js';
import { nodeSha256 } from '../../src/node/vault/node-vault-crypto.js';
import { toHex } from '../../src/protocol/core/bytes.js';
import type { Signer } from '../../src/protocol/core/crypto.js';
import { MedchainClient } from '../../src/sdk/client.js';
import { records, signRecordStatement } from '../../src/sdk/health.js';
import { HealthRecords, putVaultObject } from '../../src/sdk/health-records.js';
import {
  generateParticipantKeys,
  type ParticipantKeys,
  signerFromSeed,
} from '../../src/sdk/keys.js';
import { challengeBytes } from '../../src/sdk/request-auth.js';
import { buildTransaction, identity } from '../../src/sdk/transactions.js';
import { encodeKeyWrap, encryptDocument } from '../../src/sdk/vault/index.js';
import { adminKeyPath, keystoreSigner } from '../../src/testing/node-process.js';
import {
  type SingleNodeNetwork,
  startSingleNodeNetwork,
} from '../../src/testing/single-node-network.js';

const HOSPITAL = 'org-general-hospital';
const CLINIC = 'org-riverside-clinic';
const SIGNED_TRANSACTION = 'urn:medchain:fhir:signed-transaction';
const NOTE = 'HbA1c 7.9 % (reference < 5.7 %)';
const DAY_MS = 24 * 60 * 60 * 1000;

let network: SingleNodeNetwork;

interface Actor {
  id: string;
  keys: ParticipantKeys;
  signer: Signer;
  records: HealthRecords;
  fhir: Client;
}

before(async () => {
  network = await startSingleNodeNetwork('fhir-client');
});

after(async () => {
  await network.close();
});

async function register(admin: Signer, id: string, kind: 'patient' | 'practitioner') {
  const keys = generateParticipantKeys();
  const client = new MedchainClient({ baseUrl: network.url });
  const submission = await client.send(
    admin,
    identity.registerMember({
      id,
      kind,
      signingKey: toHex(keys.signing.publicKey),
      encryptionKey: toHex(keys.encryption.publicKey),
      ...(kind === 'practitioner' ? { roles: ['clinician'], displayName: id } : {}),
    }),
  );
  assert.equal(submission.status === 'committed' && submission.receipt.code, 0);
  return keys;
}

/** POST /v1/auth/challenge, sign it, POST /v1/auth/token: a bearer token for ten minutes. */
async function token(signer: Signer): Promise<string> {
  const publicKey = toHex(signer.publicKey);
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${network.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(response.status, 200, path);
    return (await response.json()) as Record<string, string>;
  };
  const { challenge } = await post('/v1/auth/challenge', { publicKey });
  const signature = toHex(signer.sign(challengeBytes(challenge ?? '')));
  const issued = await post('/v1/auth/token', { publicKey, challenge, signature });
  assert.equal(issued.tokenType, 'Bearer');
  return issued.token ?? '';
}

async function actor(admin: Signer, id: string, kind: 'patient' | 'practitioner') {
  const keys = await register(admin, id, kind);
  const signer = signerFromSeed(keys.signing.seed);
  const records = new HealthRecords({
    client: new MedchainClient({ baseUrl: network.url, auth: signer }),
    member: id,
    signer,
    encryptionSecretKey: keys.encryption.secretKey,
    encryptionPublicKey: keys.encryption.publicKey,
    upload: nodeUploader,
    sha256: nodeSha256,
  });
  const fhir = new Client({
    baseUrl: `${network.url}/fhir/R4`,
    bearerToken: await token(signer),
  });
  return { id, keys, signer, records, fhir } satisfies Actor;
}

/** The refusal a FHIR call ends in: its status and the OperationOutcome it carried. */
async function refusal(call: Promise<unknown>) {
  try {
    await call;
  } catch (error) {
    const { response } = error as { response?: { status: number; data: OperationOutcome } };
    if (response !== undefined) {
      return response;
    }
    throw error;
  }
  assert.fail('the request was served');
}

/**
 * What a clinician's FHIR client does to create a DocumentReference: encrypt, upload the
 * ciphertext to its organization's vault, sign the anchor, POST the resource carrying it,
 * then store the key wraps for the patient and itself.
 */
async function createDocument(author: Actor, patient: string, text: string) {
  const recordId = `rec-${toHex(crypto.getRandomValues(new Uint8Array(8)))}`;
  const patientKey = (await author.records.memberRecord(patient)).encryptionKey;
  const encrypted = await encryptDocument(new Blob([text]).stream(), {
    recordId,
    version: 1,
    recipients: [patientKey, toHex(author.keys.encryption.publicKey)].map((key) =>
      Uint8Array.from(Buffer.from(key, 'hex')),
    ),
    sha256: nodeSha256,
  });
  const uploaded = putVaultObject(nodeUploader, {
    vaultUrl: network.url,
    signer: author.signer,
    body: encrypted.ciphertext,
  });
  const [stored, done] = await Promise.all([uploaded, encrypted.completion]);
  assert.equal(stored.status, 201, stored.text);
  const chainId = await author.records.client.chainId();
  const fields = {
    id: recordId,
    patient,
    resourceType: 'DiagnosticReport' as const,
    category: 'laboratory' as const,
    contentHash: done.contentHash,
    sizeBytes: done.sizeBytes,
  };
  const signature = signRecordStatement(author.signer, {
    ...fields,
    chainId,
    version: 1,
    custodian: HOSPITAL,
  });
  const call = records.anchorRecord({
    ...fields,
    locator: `vault://${HOSPITAL}/${done.contentHash}`,
    author: author.id,
    signature,
  });
  const nonce = (await author.records.client.account(author.signer.publicKey)).pendingNonce;
  const transaction = buildTransaction({ ...call, chainId, signer: author.signer, nonce });
  const body = {
    resourceType: 'DocumentReference',
    status: 'current',
    subject: { reference: `Patient/${patient}` },
    content: [{ attachment: { contentType: 'application/octet-stream', size: done.sizeBytes } }],
    extension: [
      {
        url: SIGNED_TRANSACTION,
        valueBase64Binary: Buffer.from(JSON.stringify(transaction)).toString('base64'),
      },
    ],
  };
  const created = asDocument(await author.fhir.create({ resourceType: 'DocumentReference', body }));
  for (const wrap of done.wraps) {
    const path = `/v1/vault/objects/${done.contentHash}/keys/${wrap.recipient}`;
    const response = await author.records.client.request('PUT', path, {
      body: encodeKeyWrap(wrap),
      headers: { 'x-medchain-record': recordId, 'x-medchain-version': '1' },
    });
    await response.arrayBuffer();
  }
  return { created, recordId, contentHash: done.contentHash };
}

const asDocument = (resource: unknown) => resource as DocumentReference;
const asBundle = (resource: unknown) => resource as Bundle;
const references = (bundle: Bundle) =>
  (bundle.entry ?? []).map((entry) => `${entry.resource?.resourceType}/${entry.resource?.id}`);

describe('the health-records scenario through a FHIR client', { timeout: 60_000 }, () => {
  it('create, refuse, grant, read, search, audit, revoke', async () => {
    const hospitalAdmin = await keystoreSigner(adminKeyPath(network.dir, HOSPITAL));
    const clinicAdmin = await keystoreSigner(adminKeyPath(network.dir, CLINIC));
    const patient = await actor(hospitalAdmin, 'pt-fhir-p', 'patient');
    const other = await actor(hospitalAdmin, 'pt-fhir-q', 'patient');
    const author = await actor(hospitalAdmin, 'dr-hana', 'practitioner');
    const reader = await actor(clinicAdmin, 'dr-cole', 'practitioner');

    const { created, recordId, contentHash } = await createDocument(author, patient.id, NOTE);
    assert.equal(created.resourceType, 'DocumentReference');
    assert.equal(created.id, recordId);
    assert.equal(created.subject?.reference, `Patient/${patient.id}`);
    assert.equal(created.custodian?.reference, `Organization/${HOSPITAL}`);
    const attachment = created.content[0]?.attachment;
    assert.equal(attachment?.url, `${network.url}/v1/vault/objects/${contentHash}`);
    const others = await createDocument(author, other.id, 'another patient');

    // Without consent the clinic is refused, with an OperationOutcome saying so.
    const refused = await refusal(
      reader.fhir.read({ resourceType: 'DocumentReference', id: recordId }),
    );
    assert.equal(refused.status, 403);
    assert.equal(refused.data.resourceType, 'OperationOutcome');
    assert.equal(refused.data.issue[0]?.code, 'forbidden');

    const { grant } = await patient.records.grant({
      granteeKind: 'organization',
      grantee: CLINIC,
      categories: ['laboratory'],
      purpose: 'treatment',
      durationMs: 30 * DAY_MS,
      readers: [reader.id],
    });

    const read = asDocument(
      await reader.fhir.read({ resourceType: 'DocumentReference', id: recordId }),
    );
    assert.equal(read.id, recordId);
    assert.equal(read.content[0]?.attachment.url, attachment?.url);
    // The document itself: from the vault the attachment names, audited, then decrypted.
    const plaintext = await reader.records.readRecord(recordId);
    assert.equal(new TextDecoder().decode(plaintext), NOTE);

    const found = asBundle(
      await reader.fhir.search({
        resourceType: 'DocumentReference',
        searchParams: { patient: patient.id },
      }),
    );
    assert.deepEqual(references(found), [`DocumentReference/${recordId}`]);
    const notGranted = asBundle(
      await reader.fhir.search({
        resourceType: 'DocumentReference',
        searchParams: { patient: other.id },
      }),
    );
    assert.deepEqual(references(notGranted), []);
    const mine = asBundle(await patient.fhir.search({ resourceType: 'DocumentReference' }));
    assert.deepEqual(references(mine), [`DocumentReference/${recordId}`]);

    assert.equal(JSON.stringify(mine).includes(others.recordId), false);
    assert.equal(JSON.stringify(mine).includes(other.id), false);
    // Paging as a client follows it: the next link of a one-entry page reaches the second.
    const second = await createDocument(author, patient.id, `${NOTE} repeated`);
    const firstPage = asBundle(
      await patient.fhir.search({ resourceType: 'DocumentReference', searchParams: { _count: 1 } }),
    );
    assert.equal(firstPage.total, 2);
    const nextPage = asBundle(await patient.fhir.nextPage({ bundle: firstPage as never }));
    assert.deepEqual(
      [...references(firstPage), ...references(nextPage)].sort(),
      [`DocumentReference/${recordId}`, `DocumentReference/${second.recordId}`].sort(),
    );
    const prying = asBundle(
      await patient.fhir.search({
        resourceType: 'DocumentReference',
        searchParams: { patient: other.id },
      }),
    );
    assert.deepEqual(references(prying), []);

    const audit = asBundle(
      await patient.fhir.search({
        resourceType: 'AuditEvent',
        searchParams: { patient: patient.id },
      }),
    );
    const events = (audit.entry ?? []).map((entry) => JSON.stringify(entry.resource));
    assert.ok(
      events.some(
        (event) =>
          event.includes(`Practitioner/${reader.id}`) &&
          event.includes(`DocumentReference/${recordId}`) &&
          event.includes(`Consent/${grant}`),
      ),
      `no AuditEvent for the clinic's read in ${events.join('\n')}`,
    );
    const otherAudit = asBundle(await other.fhir.search({ resourceType: 'AuditEvent' }));
    assert.deepEqual(references(otherAudit), []);

    await patient.records.revoke(grant);
    const revoked = await refusal(
      reader.fhir.read({ resourceType: 'DocumentReference', id: recordId }),
    );
    assert.equal(revoked.status, 403);
    assert.equal(revoked.data.resourceType, 'OperationOutcome');
    await assert.rejects(reader.records.readRecord(recordId), { status: 403 });
  });
});
