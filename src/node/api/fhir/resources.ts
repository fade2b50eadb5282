/**
 * Reading each resource type from chain state, with the authorization check applied to
 * every resource before it leaves: `read` answers one id, `forPatient` every resource of
 * one patient the caller may see (what search filters further). Not found and forbidden
 * are distinct on purpose only where the id alone reveals nothing about a patient.
 */
import type { AccessEntry } from '../../../protocol/contracts/consent/types.js';
import type { RecordHead } from '../../../protocol/contracts/records/types.js';
import {
  type AccessContext,
  mayReadAccess,
  mayReadGrant,
  mayReadPatient,
  mayReadRecord,
} from './access.js';
import {
  member,
  organization,
  patientAccesses,
  patientGrants,
  patientRecords,
  recordHead,
} from './ledger.js';
import { auditEventId, toAuditEvent, toConsent } from './map-consent.js';
import { toOrganization, toPatient, toPractitioner } from './map-identity.js';
import { toDocumentReference, toObservation, toProvenance } from './map-records.js';
import { FhirError } from './outcome.js';
import type { FhirType, Resource } from './types.js';

export type ReadContext = AccessContext & { vaultBase: string };

export type TypeReader = {
  read(context: ReadContext, id: string): Resource;
  /** Every resource of this patient the caller may see; undefined for non-patient types. */
  forPatient?(context: ReadContext, patient: string): Resource[];
};

function notFound(type: string, id: string): never {
  throw new FhirError('not-found', `${type}/${id} is not known`);
}

function forbidden(type: string, id: string): never {
  throw new FhirError('forbidden', `the caller may not read ${type}/${id}`);
}

function readHead(context: ReadContext, type: string, id: string): RecordHead {
  const head = recordHead(context.ledger, id);
  if (head === undefined) {
    notFound(type, id);
  }
  if (!mayReadRecord(context, head)) {
    forbidden(type, id);
  }
  if (head.status === 'erased') {
    throw new FhirError('deleted', `${type}/${id} was erased at the patient's request`);
  }
  return head;
}

function visibleHeads(context: ReadContext, patient: string): RecordHead[] {
  return patientRecords(context.ledger, patient).filter(
    (head) => head.status !== 'erased' && mayReadRecord(context, head),
  );
}

function recordReader(
  type: string,
  map: (context: ReadContext, head: RecordHead) => Resource,
  only?: (head: RecordHead) => boolean,
): TypeReader {
  const applies = only ?? (() => true);
  return {
    read(context, id) {
      const head = readHead(context, type, id);
      return applies(head) ? map(context, head) : notFound(type, id);
    },
    forPatient: (context, patient) =>
      visibleHeads(context, patient)
        .filter(applies)
        .map((head) => map(context, head)),
  };
}

const authorOf = (context: ReadContext, head: RecordHead) =>
  member(context.ledger, head.latest.author);

function memberReader(kind: 'patient' | 'practitioner'): TypeReader {
  const type = kind === 'patient' ? 'Patient' : 'Practitioner';
  return {
    read(context, id) {
      const found = member(context.ledger, id);
      if (found === undefined || found.kind !== kind) {
        notFound(type, id);
      }
      if (kind === 'patient' && !mayReadPatient(context, id)) {
        forbidden(type, id);
      }
      const active = organization(context.ledger, found.organization)?.active ?? false;
      return kind === 'patient' ? toPatient(found, active) : toPractitioner(found, active);
    },
  };
}

export const READERS: Record<FhirType, TypeReader> = {
  Patient: memberReader('patient'),
  Practitioner: memberReader('practitioner'),
  Organization: {
    read(context, id) {
      const found = organization(context.ledger, id);
      return found === undefined ? notFound('Organization', id) : toOrganization(found);
    },
  },
  DocumentReference: recordReader('DocumentReference', (context, head) =>
    toDocumentReference(head, authorOf(context, head), context.vaultBase),
  ),
  Observation: recordReader(
    'Observation',
    (context, head) => toObservation(head, authorOf(context, head)),
    (head) => head.latest.resourceType === 'Observation',
  ),
  Provenance: recordReader('Provenance', (context, head) =>
    toProvenance(head, authorOf(context, head)),
  ),
  Consent: {
    read(context, id) {
      const grant = context.ledger.query('consent', 'grant', { id }) as unknown;
      if (grant === null) {
        notFound('Consent', id);
      }
      const typed = grant as Parameters<typeof mayReadGrant>[1];
      if (!mayReadGrant(context, typed)) {
        forbidden('Consent', id);
      }
      return toConsent(typed, context.now, member(context.ledger, typed.grantee));
    },
    forPatient: (context, patient) =>
      patientGrants(context.ledger, patient)
        .filter((grant) => mayReadGrant(context, grant))
        .map((grant) => toConsent(grant, context.now, member(context.ledger, grant.grantee))),
  },
  AuditEvent: {
    read: readAuditEvent,
    forPatient: (context, patient) =>
      patientAccesses(context.ledger, patient)
        .filter((entry) => mayReadAccess(context, patient, entry))
        .map((entry) => toAuditEvent(entry, patient, member(context.ledger, entry.accessor))),
  },
};

/** The patient an audit event id (a transaction hash) belongs to, found through its tx. */
function auditPatient(context: ReadContext, id: string): string | undefined {
  const breakGlass = context.ledger.query('consent', 'breakGlass', { id });
  if (breakGlass !== null) {
    return (breakGlass as { patient: string }).patient;
  }
  const found = context.ledger.transactionArgs(id);
  if (found?.module !== 'consent' || found.action !== 'recordAccess') {
    return undefined;
  }
  const record = (found.args as { record?: unknown }).record;
  return typeof record === 'string' ? recordHead(context.ledger, record)?.patient : undefined;
}

function readAuditEvent(context: ReadContext, id: string): Resource {
  const patient = /^[0-9a-f]{64}$/.test(id) ? auditPatient(context, id) : undefined;
  const entry =
    patient === undefined
      ? undefined
      : patientAccesses(context.ledger, patient).find((e: AccessEntry) => auditEventId(e) === id);
  if (patient === undefined || entry === undefined) {
    notFound('AuditEvent', id);
  }
  if (!mayReadAccess(context, patient, entry)) {
    forbidden('AuditEvent', id);
  }
  return toAuditEvent(entry, patient, member(context.ledger, entry.accessor));
}
