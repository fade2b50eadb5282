/**
 * Consent grants as Consent, and the access log (recorded reads and break-glass openings)
 * as AuditEvent. A grant is active while unrevoked and inside its validity window at the
 * latest consensus time; otherwise it is inactive.
 */
import type { AccessEntry, Grant } from '../../../protocol/contracts/consent/types.js';
import type { Member } from '../../../protocol/contracts/identity/types.js';
import {
  instant,
  memberRef,
  organizationRef,
  patientRef,
  purposeCoding,
  type Reference,
  SYSTEM,
} from './codes.js';
import type { AuditEvent, Consent } from './types.js';

export function isGrantActive(grant: Grant, now: number): boolean {
  return grant.revokedAt === null && grant.notBefore <= now && now < grant.notAfter;
}

function grantee(grant: Grant, member: Member | undefined): Reference {
  return grant.granteeKind === 'organization'
    ? organizationRef(grant.grantee)
    : memberRef(grant.grantee, member);
}

export function toConsent(grant: Grant, now: number, granteeMember?: Member): Consent {
  const { scope } = grant;
  return {
    resourceType: 'Consent',
    id: grant.id,
    meta: { lastUpdated: instant(grant.revokedTime ?? grant.grantedTime) },
    status: isGrantActive(grant, now) ? 'active' : 'inactive',
    scope: {
      coding: [
        { system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' },
      ],
    },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
    patient: patientRef(grant.patient),
    dateTime: instant(grant.grantedTime),
    performer: [patientRef(grant.patient)],
    policyRule: { coding: [{ system: SYSTEM.actCode, code: 'OPTIN' }] },
    provision: {
      type: 'permit',
      // The chain's window is half-open [notBefore, notAfter); FHIR periods are inclusive.
      period: { start: instant(grant.notBefore), end: instant(grant.notAfter - 1) },
      actor: [
        {
          role: {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
                code: 'IRCP',
              },
            ],
          },
          reference: grantee(grant, granteeMember),
        },
      ],
      purpose: [purposeCoding(grant.purpose)],
      ...(scope.resourceTypes.length === 0
        ? {}
        : { class: scope.resourceTypes.map((code) => ({ system: SYSTEM.resourceTypes, code })) }),
      ...(scope.categories.length === 0
        ? {}
        : {
            code: scope.categories.map((code) => ({ coding: [{ system: SYSTEM.category, code }] })),
          }),
      ...(scope.recordIds.length === 0
        ? {}
        : {
            data: scope.recordIds.map((id) => ({
              meaning: 'instance' as const,
              reference: { reference: `DocumentReference/${id}` },
            })),
          }),
    },
  };
}

/** The id of an audit event: the hash of the transaction that logged it. */
export function auditEventId(entry: AccessEntry): string {
  return entry.kind === 'access' ? entry.transaction : entry.breakGlass;
}

const REST = { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' };
const SECURITY_ALERT = { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110113' };

export function toAuditEvent(entry: AccessEntry, patient: string, accessor?: Member): AuditEvent {
  const agents: AuditEvent['agent'] = [
    { who: memberRef(entry.accessor, accessor), requestor: true },
    { who: organizationRef(entry.organization), requestor: false },
  ];
  const patientEntity = {
    what: patientRef(patient),
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1' },
  };
  const common = {
    resourceType: 'AuditEvent' as const,
    id: auditEventId(entry),
    recorded: instant(entry.time),
    outcome: '0' as const,
    agent: agents,
  };
  if (entry.kind === 'break_glass') {
    return {
      ...common,
      type: SECURITY_ALERT,
      action: 'E',
      period: { start: instant(entry.time), end: instant(entry.notAfter - 1) },
      purposeOfEvent: [
        {
          coding: [
            { system: SYSTEM.actCode, code: 'BTG' },
            { system: SYSTEM.actReason, code: 'ETREAT' },
            { system: SYSTEM.breakGlassReason, code: entry.reason },
          ],
        },
      ],
      source: { observer: organizationRef(entry.organization) },
      entity: [patientEntity],
    };
  }
  const basis =
    entry.basis === 'grant'
      ? [{ what: { reference: `Consent/${entry.basisId}` } }]
      : [{ what: { reference: `AuditEvent/${entry.basisId}` } }];
  return {
    ...common,
    type: REST,
    subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: 'read' }],
    action: 'R',
    period: { start: instant(entry.time), end: instant(entry.time) },
    purposeOfEvent: [{ coding: [purposeCoding(entry.purpose)] }],
    source: { observer: organizationRef(entry.custodian) },
    entity: [
      patientEntity,
      { what: { reference: `DocumentReference/${entry.record}/_history/${entry.version}` } },
      ...basis,
    ],
  };
}
