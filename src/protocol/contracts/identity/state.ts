/**
 * Typed reads and writes of identity state, and the signer directory the engine consults
 * before every transaction. Stored values were written by this module, so a read is a
 * cast; the assertions catch a corrupted or foreign value before it is trusted.
 */
import { assert } from '../../core/assert.js';
import type { JsonValue } from '../../core/canonical.js';
import type { ActionContext, SignerStatus, StateRead } from '../engine/module.js';
import { memberKey, organizationKey, proposalKey, publicKeyKey, SUMMARY_KEY } from './keys.js';
import type { IdentitySummary, KeyRecord, Member, Organization, Proposal } from './types.js';

function load<T>(get: StateRead, key: string): T | undefined {
  const value = get(key);
  assert(
    value === undefined || (typeof value === 'object' && value !== null),
    `${key}: not a record`,
  );
  return value as T | undefined;
}

export function loadOrganization(get: StateRead, id: string): Organization | undefined {
  return load<Organization>(get, organizationKey(id));
}

export function loadMember(get: StateRead, id: string): Member | undefined {
  return load<Member>(get, memberKey(id));
}

export function loadKey(get: StateRead, publicKey: string): KeyRecord | undefined {
  return load<KeyRecord>(get, publicKeyKey(publicKey));
}

export function loadProposal(get: StateRead, id: number): Proposal | undefined {
  return load<Proposal>(get, proposalKey(id));
}

export function loadSummary(get: StateRead): IdentitySummary {
  const summary = load<IdentitySummary>(get, SUMMARY_KEY);
  assert(summary !== undefined, 'identity: no summary (no genesis?)');
  return summary;
}

export function saveOrganization(context: ActionContext, organization: Organization): void {
  context.set(organizationKey(organization.id), organization as JsonValue);
}

export function saveMember(context: ActionContext, member: Member): void {
  context.set(memberKey(member.id), member as JsonValue);
}

export function saveKey(context: ActionContext, publicKey: string, record: KeyRecord): void {
  context.set(publicKeyKey(publicKey), record as JsonValue);
}

export function saveProposal(context: ActionContext, proposal: Proposal): void {
  context.set(proposalKey(proposal.id), proposal as unknown as JsonValue);
}

export function saveSummary(context: ActionContext, summary: IdentitySummary): void {
  context.set(SUMMARY_KEY, summary as JsonValue);
}

/** Marks a key retired. It stays in the index so that it can never be registered again. */
export function retireKey(context: ActionContext, publicKey: string): void {
  const record = loadKey(context.get, publicKey);
  assert(record !== undefined, 'identity: retiring an unknown key');
  saveKey(context, publicKey, { ...record, active: false });
}

/**
 * [R-IDENTITY-1] Admin and member keys sign transactions; validator keys sign only votes.
 * A key is active when its record is and its organization is: removing an organization
 * silences all its members without touching each member's record.
 */
export function signerStatus(get: StateRead, publicKey: string): SignerStatus {
  const record = loadKey(get, publicKey);
  if (record === undefined) {
    return 'unknown';
  }
  if (record.kind === 'validator') {
    return 'not_a_signer';
  }
  if (!record.active) {
    return 'inactive';
  }
  const organization = loadOrganization(get, record.organization);
  assert(organization !== undefined, 'identity: key of an unknown organization');
  return organization.active ? 'active' : 'inactive';
}
