/**
 * The import path on a memory node: Synthea-shaped resources are mapped to pseudonymous
 * patients, encrypted client-side, kept by content hash, and anchored by the clinician;
 * the anchored hash is the hash of the ciphertext kept, and no name reaches the chain.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex } from '../../../protocol/core/bytes.js';
import { MedchainClient } from '../../../sdk/client.js';
import { anchorPlan, directorySink, planImport } from '../../cli/commands/import.js';
import { pseudonymousPatientId } from './import-map.js';
import { FhirFixture } from './test-fixture.js';

const SALT = 'import-test-salt-0001';

it('import fhir: encrypts, keeps ciphertext by hash, anchors for a pseudonym', async () => {
  const fx = new FhirFixture('fhir-import');
  const patient = pseudonymousPatientId(SALT, 'synthea-1');
  fx.commit([
    fx.memberTx('hospital', 'dr-import', 'practitioner', ['clinician']),
    fx.memberTx('hospital', patient, 'patient', []),
  ]);
  const resources = [
    { resourceType: 'Patient', id: 'synthea-1', name: [{ family: 'Zyxwvut' }] },
    {
      resourceType: 'Condition',
      id: 'c1',
      subject: { reference: 'Patient/synthea-1' },
      note: 'Zyxwvut',
    },
    { resourceType: 'Immunization', id: 'i1', patient: { reference: 'Patient/synthea-2' } },
    { resourceType: 'Location', id: 'l1' },
  ];
  const plan = planImport(resources, SALT);
  assert.equal(plan.planned.length, 2);
  assert.deepEqual(Object.fromEntries(plan.skipped), { Patient: 1, Location: 1 });
  const directory = mkdtempSync(join(tmpdir(), 'medchain-import-'));
  try {
    const fetch = async (request: Request) => fx.memory.api.request(request);
    const client = new MedchainClient({ baseUrl: 'http://node.test', fetch });
    const author = fx.ledger.query('identity', 'member', { id: 'dr-import' }) as {
      organization: string;
      encryptionKey: string;
    };
    const context = {
      client,
      chainId: fx.memory.genesis.chainId,
      author: { id: 'dr-import', signer: fx.signer('dr-import'), ...author },
      sink: directorySink(directory),
      nonce: 0,
    };
    const summary = { anchored: 0, failed: 0, patientsNotRegistered: [] as string[] };
    await anchorPlan(plan.planned, context, summary);
    fx.memory.node.produceBlock();
    assert.equal(summary.anchored, 1);
    assert.deepEqual(summary.patientsNotRegistered, [pseudonymousPatientId(SALT, 'synthea-2')]);
    const head = fx.ledger.query('records', 'record', { id: plan.planned[0]!.id }) as {
      patient: string;
      latest: { contentHash: string; category: string };
    };
    assert.equal(head.patient, patient);
    assert.equal(head.latest.category, 'clinical-note');
    const kept = readFileSync(join(directory, head.latest.contentHash));
    assert.equal(toHex(sha256(kept)), head.latest.contentHash);
    assert.equal(kept.includes(Buffer.from('Zyxwvut')), false);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});
