/**
 * Action identity.deactivateMember: an organization's admin deactivates one of its
 * members. The member's key can sign nothing afterwards; the record stays for the audit
 * trail and the id is never reused.
 */
import { object } from '../engine/args.js';
import { type ActionDefinition, failure, OK } from '../engine/module.js';
import { denied, requireAdmin } from './authorize.js';
import { memberId } from './fields.js';
import { IDENTITY_RESULTS } from './results.js';
import { loadMember, retireKey, saveMember } from './state.js';

export type DeactivateMemberParams = { member: string };

export const deactivateMember: ActionDefinition<DeactivateMemberParams> = {
  name: 'deactivateMember',
  args: object({ member: memberId }),
  execute(context, args) {
    const admin = requireAdmin(context);
    if (!admin.ok) {
      return admin;
    }
    const member = loadMember(context.get, args.member);
    if (member === undefined) {
      return failure(IDENTITY_RESULTS.member_not_found, `no member ${args.member}`);
    }
    if (member.organization !== admin.value.id) {
      return denied(`member ${member.id} belongs to another organization`);
    }
    if (!member.active) {
      return failure(IDENTITY_RESULTS.member_inactive, `member ${member.id} is already inactive`);
    }
    retireKey(context, member.signingKey);
    saveMember(context, { ...member, active: false });
    context.emit('member_deactivated', { member: member.id, organization: member.organization });
    return OK;
  },
};
