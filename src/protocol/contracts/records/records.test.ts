/** Records: anchors, amendments, device data, pagination and every authorization failure. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonObject } from '../../core/canonical.js';
import { pureCrypto } from '../../core/crypto.js';
import type { Receipt } from '../../ledger/block.js';
import { CLINIC, HealthChain, HOSPITAL, PAYER, type RecordInput } from '../consent/health-chain.js';
import { namedSigner } from '../engine/test-chain.js';
import type { Anchor, RecordHead } from './types.js';

function expectOk(receipt: Receipt): void {
  assert.equal(receipt.name, 'ok', receipt.message);
}

function expectFail(receipt: Receipt, name: string): void {
  assert.equal(receipt.name, name, `expected ${name}, got ${receipt.name}: ${receipt.message}`);
  assert.deepEqual(receipt.events, []);
}

const LAB: RecordInput = {
  id: 'rec-lab-0001',
  patient: 'pt-0001',
  author: 'dr-hospital',
  custodian: HOSPITAL,
  category: 'laboratory',
  resourceType: 'DiagnosticReport',
};

function anchor(
  chain: HealthChain,
  input: RecordInput,
  who: Parameters<HealthChain['act']>[0] = input.author,
): Receipt {
  return chain.act(who, 'records', 'anchorRecord', chain.recordArgs(input));
}

function head(chain: HealthChain, id: string): RecordHead {
  return chain.query('records', 'record', { id }) as unknown as RecordHead;
}

describe('records: anchorRecord', () => {
  it('anchors a clinician-signed record and indexes it for the patient', () => {
    const chain = new HealthChain(pureCrypto);
    const receipt = anchor(chain, LAB);
    expectOk(receipt);
    assert.deepEqual(receipt.events, [
      {
        type: 'records.record_anchored',
        attributes: {
          record: LAB.id,
          version: 1,
          patient: 'pt-0001',
          custodian: HOSPITAL,
          author: 'dr-hospital',
          category: 'laboratory',
          resourceType: 'DiagnosticReport',
        },
      },
    ]);
    const record = head(chain, LAB.id);
    assert.equal(record.versions, 1);
    assert.equal(record.status, 'active');
    assert.equal(record.latest.custodian, HOSPITAL);
    assert.equal(record.latest.previousVersion, null);
    assert.equal(record.latest.erasedAt, null);
    assert.deepEqual(
      chain.query('records', 'version', { id: LAB.id, version: '1' }),
      record.latest,
    );
    assert.deepEqual(chain.query('records', 'patient', { patient: 'pt-0001' }), {
      patient: 'pt-0001',
      count: 1,
    });
    assert.deepEqual(chain.query('records', 'byPatient', { patient: 'pt-0001' }), [LAB.id]);
  });

  it('accepts an author-signed anchor submitted by a service key of the same organization', () => {
    const chain = new HealthChain(pureCrypto);
    expectOk(anchor(chain, LAB, 'svc-hospital'));
    // A service key of another organization cannot submit for the hospital's clinician.
    expectFail(anchor(chain, { ...LAB, id: 'rec-lab-0002' }, 'svc-clinic'), 'unauthorized');
    // Nor can an admin key, or another clinician.
    expectFail(anchor(chain, { ...LAB, id: 'rec-lab-0003' }, 'hospital'), 'unauthorized');
    expectFail(anchor(chain, { ...LAB, id: 'rec-lab-0004' }, 'dr-emergency'), 'unauthorized');
  });

  it('refuses non-clinical authors, unknown patients and forged signatures', () => {
    const chain = new HealthChain(pureCrypto);
    const cases: [RecordInput, string][] = [
      [{ ...LAB, author: 'nurse-admin' }, 'records.author_not_clinical'],
      [{ ...LAB, author: 'payer-reviewer', custodian: PAYER }, 'records.author_not_clinical'],
      [{ ...LAB, author: 'svc-hospital' }, 'records.author_not_clinical'],
      [{ ...LAB, author: 'pt-0001' }, 'records.author_not_clinical'],
      [{ ...LAB, patient: 'pt-9999' }, 'records.patient_not_found'],
      [{ ...LAB, patient: 'dr-clinic' }, 'records.patient_not_found'],
      [{ ...LAB, author: 'dr-nobody' as never }, 'records.author_not_found'],
    ];
    for (const [input, name] of cases) {
      // Submitted by the author itself, so the signer check passes and the role check decides.
      const args = chain.recordArgs({ ...input, signer: chain.signers['dr-hospital'] });
      const who = (input.author as string) === 'dr-nobody' ? 'svc-hospital' : input.author;
      expectFail(chain.act(who, 'records', 'anchorRecord', args), name);
    }
    // A signature by someone other than the author, or over other fields, fails.
    const forged = chain.recordArgs({ ...LAB, signer: namedSigner('mallory') });
    expectFail(
      chain.act('dr-hospital', 'records', 'anchorRecord', forged),
      'records.bad_signature',
    );
    const relabelled = { ...chain.recordArgs(LAB), category: 'imaging' };
    expectFail(
      chain.act('svc-hospital', 'records', 'anchorRecord', relabelled),
      'records.bad_signature',
    );
    const wrongCustodian = chain.recordArgs({ ...LAB, custodian: CLINIC });
    expectFail(
      chain.act('dr-hospital', 'records', 'anchorRecord', wrongCustodian),
      'records.bad_signature',
    );
    expectOk(anchor(chain, LAB));
    expectFail(anchor(chain, LAB), 'records.record_exists');
  });

  it('refuses an author of a deactivated member and names malformed fields', () => {
    const chain = new HealthChain(pureCrypto);
    expectOk(chain.act('hospital', 'identity', 'deactivateMember', { member: 'dr-emergency' }));
    const args = chain.recordArgs({ ...LAB, author: 'dr-emergency' });
    expectFail(
      chain.act('svc-hospital', 'records', 'anchorRecord', args),
      'records.author_inactive',
    );
    const malformed: [JsonObject, RegExp][] = [
      [{ ...chain.recordArgs(LAB), category: 'oncology' }, /^category must be one of/],
      [{ ...chain.recordArgs(LAB), resourceType: 'Patient' }, /^resourceType must be one of/],
      [{ ...chain.recordArgs(LAB), locator: 'has space' }, /^locator must be/],
      [{ ...chain.recordArgs(LAB), note: 'Jane Doe' }, /unknown field "note"/],
      [{ ...chain.recordArgs(LAB), sizeBytes: -1 }, /^sizeBytes must be/],
    ];
    for (const [bad, pattern] of malformed) {
      const receipt = chain.act('dr-hospital', 'records', 'anchorRecord', bad);
      expectFail(receipt, 'invalid_arguments');
      assert.match(receipt.message, pattern);
    }
  });
});

describe('records: amendRecord', () => {
  it('chains versions, keeps every one, and refuses stale or foreign amendments', () => {
    const chain = new HealthChain(pureCrypto);
    expectOk(anchor(chain, LAB));
    const v2 = chain.recordArgs({ ...LAB, version: 2 });
    expectOk(chain.act('dr-hospital', 'records', 'amendRecord', v2));
    const v3 = chain.recordArgs({ ...LAB, version: 3, author: 'dr-emergency' });
    expectOk(chain.act('svc-hospital', 'records', 'amendRecord', v3));
    const record = head(chain, LAB.id);
    assert.equal(record.versions, 3);
    assert.equal(record.latest.version, 3);
    assert.equal(record.latest.previousVersion, 2);
    assert.equal(record.latest.author, 'dr-emergency');
    const first = chain.query('records', 'version', { id: LAB.id, version: '1' }) as Anchor;
    assert.equal(first.contentHash, '01'.repeat(32));
    // Stale previousVersion, another organization's clinician, an unknown record.
    expectFail(chain.act('dr-hospital', 'records', 'amendRecord', v2), 'records.version_conflict');
    const foreign = chain.recordArgs({
      ...LAB,
      version: 4,
      author: 'dr-clinic',
      custodian: CLINIC,
    });
    expectFail(
      chain.act('dr-clinic', 'records', 'amendRecord', foreign),
      'records.custodian_mismatch',
    );
    const unknown = chain.recordArgs({ ...LAB, id: 'rec-none', version: 2 });
    expectFail(
      chain.act('dr-hospital', 'records', 'amendRecord', unknown),
      'records.record_not_found',
    );
    // The patient index lists the record once, whatever its versions.
    assert.deepEqual(chain.query('records', 'byPatient', { patient: 'pt-0001' }), [LAB.id]);
  });
});

describe('records: device data', () => {
  const reading: RecordInput = {
    id: 'obs-bp-0001',
    patient: 'pt-0001',
    author: 'dev-bp-0001',
    custodian: HOSPITAL,
    category: 'vital-signs',
    resourceType: 'Observation',
  };

  it('anchors readings of a device its patient linked, and nothing else', () => {
    const chain = new HealthChain(pureCrypto);
    expectFail(anchor(chain, reading), 'records.device_not_linked');
    // Only the patient links a device, and only its own organization's device.
    expectFail(
      chain.act('dr-hospital', 'records', 'linkDevice', { device: 'dev-bp-0001' }),
      'unauthorized',
    );
    expectFail(
      chain.act('pt-0001', 'records', 'linkDevice', { device: 'dr-clinic' }),
      'records.device_not_found',
    );
    const linked = chain.act('pt-0001', 'records', 'linkDevice', { device: 'dev-bp-0001' });
    expectOk(linked);
    const linkedAt = chain.height;
    expectFail(
      chain.act('pt-0002', 'records', 'linkDevice', { device: 'dev-bp-0001' }),
      'records.device_linked',
    );
    expectOk(anchor(chain, reading));
    const glucose = { ...reading, id: 'obs-glu-0001', category: 'device-data' as const };
    expectOk(anchor(chain, glucose, 'svc-hospital'));
    expectFail(
      anchor(chain, { ...reading, id: 'obs-lab-0001', category: 'laboratory' }),
      'records.device_scope',
    );
    expectFail(
      anchor(chain, { ...reading, id: 'obs-doc-0001', resourceType: 'DocumentReference' }),
      'records.device_scope',
    );
    expectFail(
      anchor(chain, { ...reading, id: 'obs-other-0001', patient: 'pt-0002' }),
      'records.device_not_linked',
    );
    expectOk(chain.act('pt-0001', 'records', 'unlinkDevice', { device: 'dev-bp-0001' }));
    expectFail(anchor(chain, { ...reading, id: 'obs-bp-0002' }), 'records.device_not_linked');
    assert.deepEqual(chain.query('records', 'device', { id: 'dev-bp-0001' }), {
      device: 'dev-bp-0001',
      patient: 'pt-0001',
      linkedAt,
      active: false,
    });
  });
});

describe('records: the patient index', () => {
  it('pages record ids 32 to a key, oldest first', () => {
    const chain = new HealthChain(pureCrypto);
    const ids = Array.from({ length: 33 }, (_, i) => `rec-${String(i).padStart(4, '0')}`);
    const transactions = ids.map((id, nonce) =>
      chain.transaction(chain.signers['dr-hospital'], {
        module: 'records',
        action: 'anchorRecord',
        nonce,
        args: chain.recordArgs({ ...LAB, id }),
      }),
    );
    for (const receipt of chain.block(transactions).receipts) {
      expectOk(receipt);
    }
    assert.deepEqual(chain.query('records', 'byPatient', { patient: 'pt-0001' }), ids.slice(0, 32));
    assert.deepEqual(
      chain.query('records', 'byPatient', { patient: 'pt-0001', page: '1' }),
      ids.slice(32),
    );
    assert.equal(chain.query('records', 'byPatient', { patient: 'pt-0001', page: '2' }), null);
    const answer = chain.queryRaw('records', 'byPatient', { patient: 'pt-0001', page: '1' });
    assert.deepEqual('key' in answer && answer.key, 'records/patient/pt-0001/1');
    const bad = chain.queryRaw('records', 'byPatient', { patient: 'pt-0001', page: '-1' });
    assert.ok('error' in bad && bad.error === 'invalid_params');
  });
});
