/**
 * Code systems and the small code maps the mappings share. Medchain's own codes use URNs
 * under urn:medchain, so that nothing pretends to be a terminology it is not.
 */
import type { Purpose } from '../../../protocol/contracts/consent/types.js';
import type { Member } from '../../../protocol/contracts/identity/types.js';

/** A reference as this facade writes it: assignable to every typed FHIR Reference. */
export type Reference = {
  reference?: string;
  type?: 'Device';
  identifier?: { system: string; value: string };
};

export const SYSTEM = {
  member: 'urn:medchain:member',
  organization: 'urn:medchain:organization',
  organizationRole: 'urn:medchain:organization-role',
  record: 'urn:medchain:record',
  category: 'urn:medchain:category',
  contentSha256: 'urn:medchain:fhir:content-sha256',
  signedTransaction: 'urn:medchain:fhir:signed-transaction',
  breakGlassReason: 'urn:medchain:break-glass-reason',
  resourceTypes: 'http://hl7.org/fhir/resource-types',
  actReason: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
  actCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  observationCategory: 'http://terminology.hl7.org/CodeSystem/observation-category',
  dataAbsent: 'http://terminology.hl7.org/CodeSystem/data-absent-reason',
} as const;

/** Purposes of use as HL7 v3 ActReason codes. */
export const PURPOSE_CODES: Record<Purpose, string> = {
  treatment: 'TREAT',
  payment: 'HPAYMT',
  operations: 'HOPERAT',
  research: 'HRESCH',
};

export function purposeCoding(purpose: Purpose): { system: string; code: string } {
  return { system: SYSTEM.actReason, code: PURPOSE_CODES[purpose] };
}

/** Consensus time (ms) as a FHIR instant; every chain time is UTC to the millisecond. */
export function instant(ms: number): string {
  return new Date(ms).toISOString();
}

export function patientRef(id: string): Reference {
  return { reference: `Patient/${id}` };
}

export function organizationRef(id: string): Reference {
  return { reference: `Organization/${id}` };
}

/**
 * A member as a reference: practitioners resolve to Practitioner resources; devices and
 * services have no resource here, so they are named by identifier only (logical reference).
 */
export function memberRef(id: string, member: Member | undefined): Reference {
  if (member?.kind === 'practitioner') {
    return { reference: `Practitioner/${id}` };
  }
  if (member?.kind === 'patient') {
    return patientRef(id);
  }
  // A device or a service member is software acting for its organization: FHIR's Device.
  return { type: 'Device' as const, identifier: { system: SYSTEM.member, value: id } };
}

/** The id in "Type/id" (or a bare id) when the type matches; undefined otherwise. */
export function referencedId(value: string, type: string): string | undefined {
  const parts = value.split('/');
  if (parts.length === 1) {
    return parts[0];
  }
  return parts.length === 2 && parts[0] === type ? parts[1] : undefined;
}
