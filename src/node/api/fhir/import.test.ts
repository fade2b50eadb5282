/**
 * `medchain import fhir` against a real node (SQLite, consensus, the vault behind its real
 * gate): a generated bundle is mapped to pseudonymous patients, who are registered with
 * keystores written for them; each resource is encrypted, uploaded, anchored and its key
 * wrapped; the patient reads a record back through the vault and decrypts the original
 * JSON. A second run anchors and uploads nothing; a run that dies before storing the key
 * wraps is finished by the next one from its journal. Bad input files are refused by name.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { toHex } from '../../../protocol/core/bytes.js';
import { MedchainClient } from '../../../sdk/client.js';
import { HealthRecords } from '../../../sdk/health-records.js';
import { generateParticipantKeys, signerFromSeed } from '../../../sdk/keys.js';
import { decryptKeystore, parseKeystore, plaintextKeystore } from '../../../sdk/keystore.js';
import { identity } from '../../../sdk/transactions.js';
import { removeDirectory, temporaryDirectory } from '../../../testing/e2e.js';
import { keystoreSigner } from '../../../testing/node-process.js';
import {
  type SingleNodeNetwork,
  startSingleNodeNetwork,
} from '../../../testing/single-node-network.js';
import {
  type ImportOptions,
  importResources,
  openTarget,
  planImport,
  runImport,
} from '../../cli/commands/import.js';
import { nodeUploader } from '../../vault/node-uploader.js';
import { nodeSha256 } from '../../vault/node-vault-crypto.js';
import {
  ImportInputError,
  loadResources,
  pseudonymousPatientId,
  recordIdFor,
} from './import-map.js';

const SALT = 'import-test-salt-0001';
const HOSPITAL = 'org-general-hospital';
process.env.MEDCHAIN_TEST_IMPORT_SALT = SALT;
process.env.MEDCHAIN_TEST_PATIENT_PASSPHRASE = 'patient keystore passphrase';

/** A small Synthea-shaped bundle: two patients, five records, two non-records. */
function bundle(prefix: string) {
  const patient = (id: string) => ({ reference: `urn:uuid:${prefix}-${id}` });
  const resources = [
    { resourceType: 'Patient', id: `${prefix}-p1`, name: [{ family: 'Zyxwvut' }] },
    { resourceType: 'Patient', id: `${prefix}-p2` },
    { resourceType: 'Condition', id: `${prefix}-c1`, subject: patient('p1'), note: 'Zyxwvut' },
    {
      resourceType: 'Observation',
      id: `${prefix}-o1`,
      subject: patient('p1'),
      category: [{ coding: [{ code: 'laboratory' }] }],
      valueQuantity: { value: 7.9, unit: '%' },
    },
    { resourceType: 'Immunization', id: `${prefix}-i1`, patient: patient('p2') },
    { resourceType: 'Encounter', id: `${prefix}-e1`, subject: patient('p2') },
    { resourceType: 'Procedure', id: `${prefix}-x1`, subject: patient('p2') },
    { resourceType: 'Location', id: `${prefix}-l1` },
  ];
  return {
    resources,
    json: JSON.stringify({
      resourceType: 'Bundle',
      type: 'collection',
      entry: resources.map((resource) => ({ fullUrl: `urn:uuid:${resource.id}`, resource })),
    }),
  };
}

let network: SingleNodeNetwork;
let work: string;
let options: ImportOptions;

before(async () => {
  network = await startSingleNodeNetwork('import');
  work = temporaryDirectory('import-work');
  const admin = await keystoreSigner(join(network.dir, 'keys', `${HOSPITAL}-admin.json`));
  const keys = generateParticipantKeys();
  const client = new MedchainClient({ baseUrl: network.url });
  const registered = await client.send(
    admin,
    identity.registerMember({
      id: 'dr-import',
      kind: 'practitioner',
      roles: ['clinician'],
      displayName: 'dr-import',
      signingKey: toHex(keys.signing.publicKey),
      encryptionKey: toHex(keys.encryption.publicKey),
    }),
  );
  assert.equal(registered.status === 'committed' && registered.receipt.code, 0);
  const keystore = join(work, 'dr-import.json');
  const file = plaintextKeystore(keys, { label: 'dr-import', createdAt: new Date() });
  writeFileSync(keystore, JSON.stringify(file), { mode: 0o600 });
  options = {
    api: network.url,
    json: false,
    saltEnv: 'MEDCHAIN_TEST_IMPORT_SALT',
    dryRun: false,
    key: keystore,
    author: 'dr-import',
    vault: network.url,
    adminKey: join(network.dir, 'keys', `${HOSPITAL}-admin.json`),
    patientKeys: join(work, 'patient-keys'),
    patientPassphraseEnv: 'MEDCHAIN_TEST_PATIENT_PASSPHRASE',
    journal: join(work, 'import.journal'),
  };
});

after(async () => {
  await network.close();
  removeDirectory(work);
});

async function patientSession(sourceId: string): Promise<HealthRecords> {
  const id = pseudonymousPatientId(SALT, sourceId);
  const text = readFileSync(join(work, 'patient-keys', `${id}.json`), 'utf8');
  const keys = await decryptKeystore(
    parseKeystore(text),
    process.env.MEDCHAIN_TEST_PATIENT_PASSPHRASE ?? '',
  );
  const signer = signerFromSeed(keys.signing.seed);
  return new HealthRecords({
    client: new MedchainClient({ baseUrl: network.url, auth: signer }),
    member: id,
    signer,
    encryptionSecretKey: keys.encryption.secretKey,
    encryptionPublicKey: keys.encryption.publicKey,
    upload: nodeUploader,
    sha256: nodeSha256,
  });
}

describe('import fhir into a real node', { timeout: 60_000 }, () => {
  it('uploads, anchors, wraps; the patient decrypts; a re-run sends nothing', async () => {
    const { resources, json } = bundle('a');
    const path = join(work, 'bundle-a.json');
    writeFileSync(path, json);
    const first = await runImport(path, options);
    assert.equal(first.resourcesRead, 8);
    assert.equal(first.records, 5);
    assert.equal(first.anchored, 5);
    assert.equal(first.patientsRegistered, 2);
    assert.equal(first.uploadedObjects, 5);
    assert.ok(first.uploadedBytes > 5 * 32);
    assert.equal(first.keyWrapsStored, 10);
    assert.deepEqual(first.skipped, { not_a_record_type: { Patient: 2, Location: 1 } });

    const condition = resources[2] as { resourceType: string; id: string };
    const session = await patientSession('a-p1');
    const plaintext = await session.readRecord(recordIdFor(SALT, condition));
    assert.deepEqual(JSON.parse(new TextDecoder().decode(plaintext)), condition);
    const head = await session.record(recordIdFor(SALT, condition));
    assert.equal(head.patient, pseudonymousPatientId(SALT, 'a-p1'));
    assert.equal(head.latest.category, 'clinical-note');

    const again = await runImport(path, options);
    assert.equal(again.anchored, 0);
    assert.equal(again.alreadyImported, 5);
    assert.equal(again.uploadedObjects, 0);
    assert.equal(again.patientsRegistered, 0);
  });

  it('finishes from the journal what a run that died before the key wraps left', async () => {
    const { resources, json } = bundle('b');
    const path = join(work, 'bundle-b.json');
    writeFileSync(path, json);
    const target = await openTarget(options);
    const failing = new MedchainClient({
      baseUrl: network.url,
      auth: target.author.signer,
      fetch: async (request) => {
        if (request.method === 'PUT' && request.url.includes('/keys/')) {
          throw new Error('simulated crash before the key wraps');
        }
        return fetch(request);
      },
    });
    await assert.rejects(
      importResources({ ...target, vault: failing }, loadResources(path), SALT),
      /simulated crash/,
    );
    const resumed = await runImport(path, options);
    assert.equal(resumed.anchored, 0);
    assert.equal(resumed.completed, 5);
    assert.equal(resumed.uploadedObjects, 0);
    assert.equal(resumed.keyWrapsStored, 10);
    const observation = resources[3] as { resourceType: string; id: string };
    const session = await patientSession('b-p1');
    const plaintext = await session.readRecord(recordIdFor(SALT, observation));
    assert.deepEqual(JSON.parse(new TextDecoder().decode(plaintext)), observation);
  });
});

describe('import fhir input', () => {
  it('names the file and line of bad input and plans with reasons', () => {
    const ndjson = join(work, 'bad.ndjson');
    writeFileSync(ndjson, '{"resourceType":"Condition","id":"c"}\n{not json\n');
    assert.throws(
      () => loadResources(ndjson),
      (error: Error) => {
        assert.ok(error instanceof ImportInputError);
        assert.match(error.message, /bad\.ndjson:2: not JSON/);
        return true;
      },
    );
    const typeless = join(work, 'typeless.ndjson');
    writeFileSync(typeless, '{"id":"c"}\n');
    assert.throws(() => loadResources(typeless), /typeless\.ndjson:1: no FHIR resourceType/);
    assert.throws(() => loadResources(join(work, 'missing.json')), /no such file/);
    const text = join(work, 'notes.txt');
    writeFileSync(text, 'x');
    assert.throws(() => loadResources(text), /expected a \.ndjson or \.json file/);
    const plan = planImport(
      [
        { resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/s-1' } },
        { resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/s-1' } },
        { resourceType: 'Condition', subject: { reference: 'Patient/s-1' } },
        { resourceType: 'Condition', id: 'c2' },
      ],
      SALT,
    );
    assert.equal(plan.planned.length, 1);
    assert.deepEqual(plan.skipped, {
      duplicate_in_input: { Condition: 1 },
      no_valid_id: { Condition: 1 },
      no_patient_reference: { Condition: 1 },
    });
  });
});
