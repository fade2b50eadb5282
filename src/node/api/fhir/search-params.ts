/**
 * The search parameters the facade supports, declared once per type: the
 * CapabilityStatement is derived from this table and the parser accepts nothing else.
 * Each parameter reads its values off the emitted FHIR resource, so a filter sees exactly
 * what the client sees.
 */
import type { FhirType, Resource } from './types.js';

export type ParamKind = 'reference' | 'date' | 'token';

export type SearchParam = {
  name: string;
  kind: ParamKind;
  documentation: string;
  /**
   * Instants in ms or "system|code" tokens. Reference parameters (the patient) choose the
   * patient scope the candidates are read from, so their values only document the field.
   */
  values(resource: Resource): (string | number)[];
};

type Coding = { system?: string; code?: string };
type Concept = { coding?: Coding[] };

const tokens = (codings: readonly Coding[] | undefined) =>
  (codings ?? []).map((c) => `${c.system ?? ''}|${c.code ?? ''}`);
const conceptTokens = (concepts: readonly Concept[] | undefined) =>
  (concepts ?? []).flatMap((c) => tokens(c.coding));
const time = (value: string | undefined) => (value === undefined ? [] : [Date.parse(value)]);
const patientOf = (reference: string | undefined) =>
  reference?.startsWith('Patient/') === true ? [reference.slice('Patient/'.length)] : [];

type Fields = {
  subject?: { reference?: string };
  patient?: { reference?: string };
  status?: string;
  category?: Concept[];
  type?: Concept;
  date?: string;
  effectiveDateTime?: string;
  recorded?: string;
  dateTime?: string;
  target?: { reference?: string }[];
  entity?: { what?: { reference?: string } }[];
};
const f = (resource: Resource) => resource as unknown as Fields;

function param(
  name: string,
  kind: ParamKind,
  documentation: string,
  values: (r: Fields) => (string | number)[],
): SearchParam {
  return { name, kind, documentation, values: (resource) => values(f(resource)) };
}

const ID = param('_id', 'token', 'logical id', (r) => [`|${(r as { id?: string }).id}`]);
const SUBJECT = (name: string) =>
  param(name, 'reference', 'the patient (Patient/<member id>)', (r) =>
    patientOf(r.subject?.reference),
  );
const CATEGORY = param('category', 'token', 'urn:medchain:category code', (r) =>
  conceptTokens(r.category),
);
const STATUS = param('status', 'token', 'status code', (r) => [`|${r.status ?? ''}`]);

/** Patient-scoped types: a search names its patient (a patient caller is its own default). */
export const PATIENT_SCOPED: readonly FhirType[] = [
  'DocumentReference',
  'Observation',
  'Provenance',
  'Consent',
  'AuditEvent',
];

export const SEARCH_PARAMS: Record<FhirType, readonly SearchParam[]> = {
  Patient: [ID],
  Practitioner: [ID],
  Organization: [ID],
  DocumentReference: [
    SUBJECT('patient'),
    SUBJECT('subject'),
    CATEGORY,
    STATUS,
    param('type', 'token', 'FHIR resource type held', (r) => conceptTokens(r.type ? [r.type] : [])),
    param('date', 'date', 'when the record was anchored', (r) => time(r.date)),
  ],
  Observation: [
    SUBJECT('patient'),
    SUBJECT('subject'),
    CATEGORY,
    STATUS,
    param('date', 'date', 'effective time (anchor time)', (r) => time(r.effectiveDateTime)),
  ],
  Provenance: [
    // Provenance names no patient; the patient scope of the search selects its records.
    param('patient', 'reference', 'the patient of the target record', () => []),
    param('recorded', 'date', 'when the version was anchored', (r) => time(r.recorded)),
  ],
  Consent: [
    param('patient', 'reference', 'the patient who granted', (r) =>
      patientOf(r.patient?.reference),
    ),
    STATUS,
    param('date', 'date', 'when the grant was made', (r) => time(r.dateTime)),
  ],
  AuditEvent: [
    param('patient', 'reference', 'the patient whose data was accessed', (r) =>
      (r.entity ?? []).flatMap((e) => patientOf(e.what?.reference)),
    ),
    param('date', 'date', 'when the access was recorded', (r) => time(r.recorded)),
  ],
};

/** `_include` values the facade implements; each names the reference it follows. */
export const INCLUDES: Record<string, { type: FhirType; references(r: Resource): string[] }> = {
  'DocumentReference:subject': {
    type: 'DocumentReference',
    references: (r) => [f(r).subject?.reference ?? ''],
  },
  'Observation:subject': {
    type: 'Observation',
    references: (r) => [f(r).subject?.reference ?? ''],
  },
  'Observation:derived-from': {
    type: 'Observation',
    references: (r) =>
      ((r as { derivedFrom?: { reference?: string }[] }).derivedFrom ?? []).map(
        (d) => d.reference ?? '',
      ),
  },
  'Consent:patient': { type: 'Consent', references: (r) => [f(r).patient?.reference ?? ''] },
};
