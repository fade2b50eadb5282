/**
 * Who may do what. The engine has already checked the signer is an active key; these
 * checks decide whether that key speaks for the organization or member an action touches.
 */
import { type ActionContext, type ActionFailure, failure } from '../engine/module.js';
import { ENGINE_RESULTS } from '../engine/result-codes.js';
import { loadKey, loadOrganization } from './state.js';
import type { Member, Organization } from './types.js';

export type Authorized<T> = { ok: true; value: T } | ActionFailure;

/** The organization whose admin key signed, or unauthorized. */
export function requireAdmin(context: ActionContext): Authorized<Organization> {
  const record = loadKey(context.get, context.signer);
  if (record === undefined || record.kind !== 'admin') {
    return denied('only an organization admin key may do this');
  }
  const organization = loadOrganization(context.get, record.organization);
  if (organization === undefined || !organization.active) {
    return denied('the signing organization is not active');
  }
  return { ok: true, value: organization };
}

/** The member itself, or the admin of the member's organization. */
export function isMemberOrItsAdmin(context: ActionContext, member: Member): boolean {
  if (context.signer === member.signingKey) {
    return true;
  }
  const record = loadKey(context.get, context.signer);
  return record?.kind === 'admin' && record.organization === member.organization;
}

export function denied(message: string): ActionFailure {
  return failure(ENGINE_RESULTS.unauthorized, message);
}
