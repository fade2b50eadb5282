/**
 * Identity members and organizations as Patient, Practitioner and Organization. A patient
 * is pseudonymous: its only identifier is the member id and it never has a name (the chain
 * has none). A practitioner may carry its display name, which identity allows on chain.
 */
import type { Member, Organization as Org } from '../../../protocol/contracts/identity/types.js';
import { organizationRef, SYSTEM } from './codes.js';
import type { Organization, Patient, Practitioner } from './types.js';

export function toPatient(member: Member, organizationActive: boolean): Patient {
  return {
    resourceType: 'Patient',
    id: member.id,
    identifier: [{ system: SYSTEM.member, value: member.id }],
    active: member.active && organizationActive,
    managingOrganization: organizationRef(member.organization),
  };
}

export function toPractitioner(member: Member, organizationActive: boolean): Practitioner {
  return {
    resourceType: 'Practitioner',
    id: member.id,
    identifier: [{ system: SYSTEM.member, value: member.id }],
    active: member.active && organizationActive,
    ...(member.displayName === undefined ? {} : { name: [{ text: member.displayName }] }),
  };
}

export function toOrganization(organization: Org): Organization {
  return {
    resourceType: 'Organization',
    id: organization.id,
    identifier: [{ system: SYSTEM.organization, value: organization.id }],
    active: organization.active,
    type: [{ coding: [{ system: SYSTEM.organizationRole, code: organization.role }] }],
    name: organization.name,
  };
}
