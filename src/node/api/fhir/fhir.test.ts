/**
 * The FHIR facade over a memory node: metadata, read, search with paging and filters,
 * _include, create through a signed transaction, OperationOutcome errors, and above all
 * that one patient never sees another's resources through read, search or _include.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { transactionId } from '../../../sdk/health.js';
import { SYSTEM } from './codes.js';
import { CLINIC, FhirFixture, TEST_MEMBER_HEADER } from './test-fixture.js';

type Json = Record<string, unknown>;
type Bundle = {
  total: number;
  entry?: { resource: Json; search: { mode: string } }[];
  link: Json[];
};

const fx = new FhirFixture('fhir-unit');
let grantId = '';
let accessId = '';
let breakGlassId = '';

function ids(body: Json, mode = 'match'): string[] {
  const bundle = body as unknown as Bundle;
  return (bundle.entry ?? [])
    .filter((e) => e.search.mode === mode)
    .map((e) => `${e.resource.resourceType}/${e.resource.id}`);
}

function issueCode(body: Json): string {
  assert.equal(body.resourceType, 'OperationOutcome');
  return ((body.issue as Json[])[0] as { code: string }).code;
}

before(() => {
  fx.commit([
    fx.memberTx('hospital', 'dr-hosp', 'practitioner', ['clinician'], 'Dr Hospital'),
    fx.memberTx('hospital', 'dr-er', 'practitioner', ['emergency']),
    fx.memberTx('hospital', 'svc-hosp', 'service', []),
    fx.memberTx('hospital', 'pt-a', 'patient', []),
    fx.memberTx('hospital', 'pt-b', 'patient', []),
    fx.memberTx('clinic', 'dr-clinic', 'practitioner', ['clinician']),
  ]);
  fx.commit([
    fx.anchorTx({
      id: 'rec-a-lab',
      patient: 'pt-a',
      author: 'dr-hosp',
      resourceType: 'Observation',
      category: 'laboratory',
    }),
    fx.anchorTx({
      id: 'rec-a-vital',
      patient: 'pt-a',
      author: 'dr-hosp',
      resourceType: 'Observation',
      category: 'vital-signs',
    }),
    fx.anchorTx({
      id: 'rec-a-note',
      patient: 'pt-a',
      author: 'dr-hosp',
      resourceType: 'DocumentReference',
      category: 'clinical-note',
    }),
    fx.anchorTx({
      id: 'rec-b-lab',
      patient: 'pt-b',
      author: 'dr-hosp',
      resourceType: 'Observation',
      category: 'laboratory',
    }),
  ]);
  const grant = fx.grantTx('pt-a', { kind: 'organization', id: CLINIC }, ['laboratory']);
  grantId = transactionId(fx.memory.crypto, grant);
  fx.commit([grant]);
  const access = fx.callTx(fx.signer('svc-hosp'), 'consent', 'recordAccess', {
    accessor: 'dr-clinic',
    record: 'rec-a-lab',
    version: 1,
    purpose: 'treatment',
    grant: grantId,
  });
  accessId = transactionId(fx.memory.crypto, access);
  const breakGlass = fx.callTx(fx.signer('dr-er'), 'consent', 'breakGlass', {
    patient: 'pt-b',
    reason: 'patient-unconscious',
    justificationHash: 'ab'.repeat(32),
    durationMs: 3_600_000,
  });
  breakGlassId = transactionId(fx.memory.crypto, breakGlass);
  fx.commit([access, breakGlass]);
});

describe('fhir facade: metadata and reads', () => {
  it('states what it supports in the CapabilityStatement, without authentication', async () => {
    const { status, body } = await fx.get('/metadata');
    assert.equal(status, 200);
    assert.equal(body.resourceType, 'CapabilityStatement');
    const rest = (
      body.rest as { resource: { type: string; interaction: { code: string }[] }[] }[]
    )[0]!;
    assert.equal(rest.resource.length, 8);
    const creatable = rest.resource.filter((r) => r.interaction.some((i) => i.code === 'create'));
    assert.deepEqual(creatable.map((r) => r.type).sort(), ['DocumentReference', 'Observation']);
  });

  it('answers 401 to an anonymous read and 404 to an unknown type or id', async () => {
    assert.equal(issueCode((await fx.get('/Patient/pt-a')).body), 'login');
    assert.equal((await fx.get('/Patient/pt-a')).status, 401);
    assert.equal((await fx.get('/Encounter/x', 'pt-a')).status, 404);
    assert.equal((await fx.get('/DocumentReference/no-such-record', 'pt-a')).status, 404);
  });

  it('reads a pseudonymous Patient: member id as identifier, no name', async () => {
    const { status, body } = await fx.get('/Patient/pt-a', 'pt-a');
    assert.equal(status, 200);
    assert.equal(body.name, undefined);
    assert.deepEqual(body.identifier, [{ system: SYSTEM.member, value: 'pt-a' }]);
    const practitioner = await fx.get('/Practitioner/dr-hosp', 'pt-a');
    assert.deepEqual(practitioner.body.name, [{ text: 'Dr Hospital' }]);
    assert.equal((await fx.get(`/Organization/${CLINIC}`, 'pt-a')).status, 200);
  });

  it('maps a record anchor to DocumentReference, Observation and Provenance', async () => {
    const doc = (await fx.get('/DocumentReference/rec-a-lab', 'pt-a')).body;
    const attachment = (doc.content as { attachment: Json }[])[0]!.attachment;
    assert.equal(attachment.contentType, 'application/octet-stream');
    assert.match(String(attachment.url), /^http:\/\/node\.test\/v1\/vault\/objects\/[0-9a-f]{64}$/);
    const observation = (await fx.get('/Observation/rec-a-lab', 'pt-a')).body;
    assert.deepEqual(observation.derivedFrom, [{ reference: 'DocumentReference/rec-a-lab' }]);
    assert.equal(observation.valueQuantity, undefined);
    assert.equal((await fx.get('/Observation/rec-a-note', 'pt-a')).status, 404);
    const provenance = (await fx.get('/Provenance/rec-a-note', 'pt-a')).body;
    assert.equal((provenance.agent as Json[]).length, 2);
  });

  it('maps grants to Consent and the access log to AuditEvent', async () => {
    const consentRead = (await fx.get(`/Consent/${grantId}`, 'pt-a')).body;
    assert.equal(consentRead.status, 'active');
    const audit = (await fx.get(`/AuditEvent/${accessId}`, 'pt-a')).body;
    assert.equal(audit.action, 'R');
    const glass = (await fx.get(`/AuditEvent/${breakGlassId}`, 'pt-b')).body;
    assert.equal(glass.action, 'E');
  });

  it('refuses history, update and delete with an OperationOutcome', async () => {
    assert.equal((await fx.get('/Patient/pt-a/_history', 'pt-a')).status, 400);
    assert.equal((await fx.get('/Patient/_history', 'pt-a')).status, 400);
    const put = await fx.fhir.request('http://node.test/fhir/R4/Patient/pt-a', {
      method: 'PUT',
      headers: { [TEST_MEMBER_HEADER]: 'pt-a' },
      body: '{}',
    });
    assert.equal(put.status, 400);
    assert.equal(issueCode((await put.json()) as Json), 'not-supported');
  });
});

describe('fhir facade: search', () => {
  it('lists a patient own records, filters by category, status and date', async () => {
    const all = await fx.get('/DocumentReference', 'pt-a');
    assert.deepEqual(ids(all.body).sort(), [
      'DocumentReference/rec-a-lab',
      'DocumentReference/rec-a-note',
      'DocumentReference/rec-a-vital',
    ]);
    const labs = await fx.get('/Observation?patient=Patient/pt-a&category=laboratory', 'pt-a');
    assert.deepEqual(ids(labs.body), ['Observation/rec-a-lab']);
    const final = await fx.get(
      '/Observation?status=final&category=urn:medchain:category|vital-signs',
      'pt-a',
    );
    assert.deepEqual(ids(final.body), ['Observation/rec-a-vital']);
    assert.equal(
      ((await fx.get('/DocumentReference?date=gt2100', 'pt-a')).body as unknown as Bundle).total,
      0,
    );
    assert.equal(
      ((await fx.get('/DocumentReference?date=ge2020-01-01', 'pt-a')).body as unknown as Bundle)
        .total,
      3,
    );
  });

  it('pages with _count and next/previous links', async () => {
    const first = (await fx.get('/DocumentReference?_count=2', 'pt-a')).body as unknown as Bundle;
    assert.equal(first.total, 3);
    assert.equal(first.entry?.length, 2);
    const next = first.link.find((l) => l.relation === 'next') as { url: string };
    const second = (await fx.get(next.url.replace('http://node.test/fhir/R4', ''), 'pt-a'))
      .body as unknown as Bundle;
    assert.equal(second.entry?.length, 1);
    assert.ok(second.link.some((l) => l.relation === 'previous'));
  });

  it('rejects unknown parameters, unsupported _include, searches without a patient', async () => {
    assert.equal((await fx.get('/DocumentReference?name=x', 'pt-a')).status, 400);
    assert.equal(
      (await fx.get('/DocumentReference?_revinclude=Provenance:target', 'pt-a')).status,
      400,
    );
    assert.equal(
      (await fx.get('/DocumentReference?_include=DocumentReference:author', 'pt-a')).status,
      400,
    );
    assert.equal((await fx.get('/DocumentReference', 'dr-clinic')).status, 400);
    assert.equal((await fx.get('/Practitioner', 'dr-clinic')).status, 400);
    assert.equal((await fx.get('/DocumentReference?date=yesterday', 'pt-a')).status, 400);
  });

  it('follows _include only to resources the caller may read', async () => {
    const own = await fx.get(
      '/Observation?_include=Observation:derived-from&_include=Observation:subject',
      'pt-a',
    );
    assert.deepEqual(ids(own.body, 'include').sort(), [
      'DocumentReference/rec-a-lab',
      'DocumentReference/rec-a-vital',
      'Patient/pt-a',
    ]);
  });
});

describe('fhir facade: a patient never sees another patient', () => {
  it('through read', async () => {
    for (const path of [
      '/Patient/pt-a',
      '/DocumentReference/rec-a-lab',
      '/Observation/rec-a-lab',
      '/Provenance/rec-a-lab',
      `/Consent/${grantId}`,
      `/AuditEvent/${accessId}`,
    ]) {
      const { status, body } = await fx.get(path, 'pt-b');
      assert.equal(status, 403, path);
      assert.equal(issueCode(body), 'forbidden');
    }
  });

  it('through search and _include', async () => {
    for (const type of [
      'DocumentReference',
      'Observation',
      'Provenance',
      'Consent',
      'AuditEvent',
    ]) {
      const { status, body } = await fx.get(`/${type}?patient=pt-a&_count=200`, 'pt-b');
      assert.equal(status, 200);
      assert.equal((body as unknown as Bundle).total, 0, type);
    }
    const included = await fx.get(
      '/Observation?subject=Patient/pt-a&_include=Observation:subject',
      'pt-b',
    );
    assert.equal(JSON.stringify(included.body.entry ?? []).includes('pt-a'), false);
    const byId = await fx.get('/Patient?_id=pt-a', 'pt-b');
    assert.equal((byId.body as unknown as Bundle).total, 0);
    const mine = await fx.get('/Patient', 'pt-b');
    assert.deepEqual(ids(mine.body), ['Patient/pt-b']);
  });

  it('staff see what consent allows: the clinic sees the granted lab record only', async () => {
    assert.equal((await fx.get('/DocumentReference/rec-a-lab', 'dr-clinic')).status, 200);
    assert.equal((await fx.get('/DocumentReference/rec-a-note', 'dr-clinic')).status, 403);
    const found = await fx.get('/DocumentReference?patient=pt-a', 'dr-clinic');
    assert.deepEqual(ids(found.body), ['DocumentReference/rec-a-lab']);
    const consents = await fx.get('/Consent?patient=pt-a', 'dr-clinic');
    assert.equal((consents.body as unknown as Bundle).total, 1);
    const audits = await fx.get('/AuditEvent?patient=pt-a', 'dr-clinic');
    assert.equal((audits.body as unknown as Bundle).total, 1);
  });
});

function createBody(type: string, tx: unknown, patient: string, extra: Json = {}): string {
  const valueBase64Binary = Buffer.from(JSON.stringify(tx)).toString('base64');
  return JSON.stringify({
    resourceType: type,
    status: type === 'Observation' ? 'final' : 'current',
    subject: { reference: `Patient/${patient}` },
    extension: [{ url: SYSTEM.signedTransaction, valueBase64Binary }],
    ...extra,
  });
}

async function post(
  type: string,
  body: string,
  member: string,
): Promise<{ status: number; body: Json; location: string | null }> {
  const pending = fx.fhir.request(`http://node.test/fhir/R4/${type}`, {
    method: 'POST',
    headers: { [TEST_MEMBER_HEADER]: member, 'content-type': 'application/fhir+json' },
    body,
  });
  // The memory node commits only when told: produce blocks until the create answers.
  let done = false;
  const producer = (async () => {
    while (!done) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      fx.memory.node.produceBlock();
    }
  })();
  const response = await pending;
  done = true;
  await producer;
  return {
    status: response.status,
    body: (await response.json()) as Json,
    location: response.headers.get('location'),
  };
}

describe('fhir facade: create through the signed transaction path', () => {
  it('creates a DocumentReference from the caller own signed anchorRecord', async () => {
    const tx = fx.anchorTx({
      id: 'rec-a-new',
      patient: 'pt-a',
      author: 'dr-hosp',
      resourceType: 'DiagnosticReport',
      category: 'laboratory',
    });
    const created = await post(
      'DocumentReference',
      createBody('DocumentReference', tx, 'pt-a'),
      'dr-hosp',
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.location, 'http://node.test/fhir/R4/DocumentReference/rec-a-new');
    assert.equal(created.body.id, 'rec-a-new');
  });

  it('creates an Observation, and refuses a non-Observation record', async () => {
    const tx = fx.anchorTx({
      id: 'rec-a-bp',
      patient: 'pt-a',
      author: 'dr-hosp',
      resourceType: 'Observation',
      category: 'vital-signs',
    });
    const created = await post('Observation', createBody('Observation', tx, 'pt-a'), 'dr-hosp');
    assert.equal(created.status, 201);
    const wrong = fx.anchorTx({
      id: 'rec-a-proc',
      patient: 'pt-a',
      author: 'dr-hosp',
      resourceType: 'Procedure',
      category: 'procedure',
    });
    assert.equal(
      (await post('Observation', createBody('Observation', wrong, 'pt-a'), 'dr-hosp')).status,
      422,
    );
  });

  it('refuses a missing transaction (400), a mismatch (422), another signer (403)', async () => {
    const bare = JSON.stringify({ resourceType: 'DocumentReference', status: 'current' });
    assert.equal((await post('DocumentReference', bare, 'dr-hosp')).status, 400);
    const tx = fx.anchorTx({
      id: 'rec-b-new',
      patient: 'pt-b',
      author: 'dr-hosp',
      resourceType: 'Procedure',
      category: 'procedure',
    });
    assert.equal(
      (await post('DocumentReference', createBody('DocumentReference', tx, 'pt-a'), 'dr-hosp'))
        .status,
      422,
    );
    const stolen = await post(
      'DocumentReference',
      createBody('DocumentReference', tx, 'pt-b'),
      'dr-clinic',
    );
    assert.equal(stolen.status, 403);
    assert.equal(issueCode(stolen.body), 'forbidden');
    assert.equal((await post('Patient', bare, 'dr-hosp')).status, 400);
  });

  it('answers 403 when the chain refuses the author, with the receipt named', async () => {
    const tx = fx.anchorTx({
      id: 'rec-b-er',
      patient: 'pt-b',
      author: 'svc-hosp',
      resourceType: 'Procedure',
      category: 'procedure',
    });
    const refused = await post(
      'DocumentReference',
      createBody('DocumentReference', tx, 'pt-b'),
      'svc-hosp',
    );
    assert.ok([403, 422].includes(refused.status), JSON.stringify(refused.body));
  });
});

describe('fhir facade: erasure', () => {
  it('answers 410 Gone for an erased record and drops it from search', async () => {
    fx.commit([
      fx.callTx(fx.signer('pt-a'), 'records', 'requestErasure', { record: 'rec-a-vital' }),
    ]);
    fx.commit([
      fx.callTx(fx.memory.admins.hospital, 'records', 'confirmErasure', { record: 'rec-a-vital' }),
    ]);
    const gone = await fx.get('/DocumentReference/rec-a-vital', 'pt-a');
    assert.equal(gone.status, 410);
    assert.equal(issueCode(gone.body), 'deleted');
    assert.equal(
      ids((await fx.get('/Observation', 'pt-a')).body).includes('Observation/rec-a-vital'),
      false,
    );
  });
});

describe('fhir facade: mounted in the API', () => {
  it('serves metadata openly, refuses an anonymous read with an OperationOutcome', async () => {
    const metadata = await fx.memory.request('/fhir/R4/metadata');
    assert.equal(metadata.status, 200);
    assert.equal(((await metadata.json()) as Json).resourceType, 'CapabilityStatement');
    const read = await fx.memory.request('/fhir/R4/Patient/pt-a');
    assert.equal(read.status, 401);
    assert.equal(issueCode((await read.json()) as Json), 'login');
  });
});
