/**
 * Action identity.registerMember: an organization's admin registers a practitioner,
 * patient, device or service with its signing and encryption keys. A patient is a
 * pseudonymous id and keys only; display names are for the others.
 */
import { fail, object, optional, type ParseResult } from '../engine/args.js';
import { type ActionDefinition, failure, OK } from '../engine/module.js';
import { requireAdmin } from './authorize.js';
import {
  displayName,
  encryptionKey,
  memberId,
  memberKind,
  memberRoles,
  signingKey,
} from './fields.js';
import { checkKeyFree } from './governance.js';
import { IDENTITY_RESULTS } from './results.js';
import { loadMember, saveKey, saveMember } from './state.js';
import type { Member, MemberKind } from './types.js';

export type RegisterMemberParams = {
  id: string;
  kind: MemberKind;
  signingKey: string;
  encryptionKey: string;
  roles?: string[];
  displayName?: string;
};

const shape = object({
  id: memberId,
  kind: memberKind,
  signingKey,
  encryptionKey,
  roles: optional(memberRoles),
  displayName: optional(displayName),
});

export const registerMember: ActionDefinition<RegisterMemberParams> = {
  name: 'registerMember',
  args: {
    optional: false,
    parse(value, field): ParseResult<RegisterMemberParams> {
      const parsed = shape.parse(value, field);
      if (parsed.ok && parsed.value.kind === 'patient' && parsed.value.displayName !== undefined) {
        // [R-IDENTITY-2] No PHI on chain: a patient's name is PHI.
        return fail('displayName', 'displayName is not allowed for patients');
      }
      return parsed;
    },
  },
  execute(context, args) {
    const admin = requireAdmin(context);
    if (!admin.ok) {
      return admin;
    }
    if (loadMember(context.get, args.id) !== undefined) {
      return failure(IDENTITY_RESULTS.member_exists, `member ${args.id} exists`);
    }
    const keyProblem = checkKeyFree(context.get, args.signingKey, 'signingKey');
    if (keyProblem !== undefined) {
      return keyProblem;
    }
    const member: Member = {
      id: args.id,
      organization: admin.value.id,
      kind: args.kind,
      signingKey: args.signingKey,
      encryptionKey: args.encryptionKey,
      roles: args.roles ?? [],
      active: true,
    };
    if (args.displayName !== undefined) {
      member.displayName = args.displayName;
    }
    saveMember(context, member);
    saveKey(context, args.signingKey, {
      kind: 'member',
      organization: member.organization,
      member: member.id,
      active: true,
    });
    context.emit('member_registered', {
      member: member.id,
      organization: member.organization,
      kind: member.kind,
    });
    return OK;
  },
};
