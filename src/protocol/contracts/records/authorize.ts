/**
 * Who may anchor what. A clinical record is authored by a practitioner with a clinical
 * role at an active clinical organization; a device reading by a device its patient
 * linked. The transaction is signed by the author itself or by a service key of the
 * author's organization submitting on its behalf (the author's signature over the record
 * statement is checked either way, so a service key cannot invent an author).
 */
import { type ActionContext, type ActionFailure, failure } from '../engine/module.js';
import { denied } from '../identity/authorize.js';
import { loadKey, loadMember, loadOrganization } from '../identity/state.js';
import type { Member, Organization } from '../identity/types.js';
import { RECORDS_RESULTS } from './results.js';
import { loadDevice } from './state.js';
import {
  type Category,
  CLINICAL_MEMBER_ROLES,
  CLINICAL_ORGANIZATION_ROLES,
  DEVICE_CATEGORIES,
  DEVICE_RESOURCE_TYPES,
  type ResourceType,
} from './types.js';

export type Checked<T> = { ok: true; value: T } | ActionFailure;

export type ActiveMember = { member: Member; organization: Organization };

/** A member whose record and organization are both active (its effective status). */
export function activeMember(
  context: Pick<ActionContext, 'get'>,
  id: string,
): ActiveMember | 'not_found' | 'inactive' {
  const member = loadMember(context.get, id);
  if (member === undefined) {
    return 'not_found';
  }
  const organization = loadOrganization(context.get, member.organization);
  if (organization === undefined || !organization.active || !member.active) {
    return 'inactive';
  }
  return { member, organization };
}

/** [R-RECORDS-1] A practitioner holding `roles` at an active clinical organization. */
export function isClinical(found: ActiveMember, roles: readonly string[]): boolean {
  const { member, organization } = found;
  return (
    member.kind === 'practitioner' &&
    member.roles.some((role) => roles.includes(role)) &&
    (CLINICAL_ORGANIZATION_ROLES as readonly string[]).includes(organization.role)
  );
}

export function checkPatient(context: ActionContext, id: string): Checked<Member> {
  const member = loadMember(context.get, id);
  if (member === undefined || member.kind !== 'patient') {
    return failure(RECORDS_RESULTS.patient_not_found, `no patient ${id}`);
  }
  if (!member.active || loadOrganization(context.get, member.organization)?.active !== true) {
    return failure(RECORDS_RESULTS.patient_inactive, `patient ${id} is not active`);
  }
  return { ok: true, value: member };
}

/** The signer is the member, or an active service member of the member's organization. */
export function signsFor(context: ActionContext, member: Member): boolean {
  if (context.signer === member.signingKey) {
    return true;
  }
  const key = loadKey(context.get, context.signer);
  if (key?.kind !== 'member' || key.member === undefined) {
    return false;
  }
  const service = loadMember(context.get, key.member);
  return (
    service !== undefined &&
    service.kind === 'service' &&
    service.active &&
    service.organization === member.organization
  );
}

/** [R-RECORDS-2] The author of a new version: checks in the order records.md lists them. */
export function checkAuthor(
  context: ActionContext,
  request: { author: string; patient: string; category: Category; resourceType: ResourceType },
): Checked<ActiveMember> {
  const found = activeMember(context, request.author);
  if (found === 'not_found') {
    return failure(RECORDS_RESULTS.author_not_found, `no member ${request.author}`);
  }
  if (found === 'inactive') {
    return failure(RECORDS_RESULTS.author_inactive, `author ${request.author} is not active`);
  }
  if (!signsFor(context, found.member)) {
    return denied('only the author or a service key of its organization may anchor');
  }
  if (found.member.kind === 'device') {
    const link = loadDevice(context.get, found.member.id);
    if (link === undefined || !link.active || link.patient !== request.patient) {
      return failure(RECORDS_RESULTS.device_not_linked, `device not linked to the patient`);
    }
    if (
      !DEVICE_CATEGORIES.includes(request.category) ||
      !DEVICE_RESOURCE_TYPES.includes(request.resourceType)
    ) {
      return failure(RECORDS_RESULTS.device_scope, 'a device anchors only its own readings');
    }
    return { ok: true, value: found };
  }
  if (!isClinical(found, CLINICAL_MEMBER_ROLES)) {
    return failure(RECORDS_RESULTS.author_not_clinical, `${request.author} has no clinical role`);
  }
  return { ok: true, value: found };
}

/** [R-RECORDS-3] The custodian speaks through its admin key or one of its service keys. */
export function signsForCustodian(context: ActionContext, organization: string): boolean {
  const key = loadKey(context.get, context.signer);
  if (key === undefined || !key.active || key.organization !== organization) {
    return false;
  }
  if (key.kind === 'admin') {
    return true;
  }
  if (key.kind !== 'member' || key.member === undefined) {
    return false;
  }
  const service = loadMember(context.get, key.member);
  return service?.kind === 'service' && service.active;
}

/** The patient member whose own key signed, if the signer is a patient. */
export function signingPatient(context: ActionContext): Member | undefined {
  const key = loadKey(context.get, context.signer);
  if (key?.kind !== 'member' || key.member === undefined) {
    return undefined;
  }
  const member = loadMember(context.get, key.member);
  return member?.kind === 'patient' && member.active ? member : undefined;
}
