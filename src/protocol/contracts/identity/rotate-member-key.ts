/**
 * Action identity.rotateMemberKey: the member itself or its organization's admin replaces
 * the member's signing key, encryption key, or both. The old signing key is retired at
 * once: from the next transaction on it can sign nothing.
 */
import { fail, object, optional, type ParseResult } from '../engine/args.js';
import { type ActionDefinition, failure, OK } from '../engine/module.js';
import { denied, isMemberOrItsAdmin } from './authorize.js';
import { encryptionKey, memberId, signingKey } from './fields.js';
import { checkKeyFree } from './governance.js';
import { IDENTITY_RESULTS } from './results.js';
import { loadMember, retireKey, saveKey, saveMember } from './state.js';

export type RotateMemberKeyParams = {
  member: string;
  signingKey?: string;
  encryptionKey?: string;
};

const shape = object({
  member: memberId,
  signingKey: optional(signingKey),
  encryptionKey: optional(encryptionKey),
});

export const rotateMemberKey: ActionDefinition<RotateMemberKeyParams> = {
  name: 'rotateMemberKey',
  args: {
    optional: false,
    parse(value, field): ParseResult<RotateMemberKeyParams> {
      const parsed = shape.parse(value, field);
      if (
        parsed.ok &&
        parsed.value.signingKey === undefined &&
        parsed.value.encryptionKey === undefined
      ) {
        return fail('signingKey', 'signingKey or encryptionKey is required');
      }
      return parsed;
    },
  },
  execute(context, args) {
    const member = loadMember(context.get, args.member);
    if (member === undefined) {
      return failure(IDENTITY_RESULTS.member_not_found, `no member ${args.member}`);
    }
    if (!isMemberOrItsAdmin(context, member)) {
      return denied('only the member or its organization admin may rotate its keys');
    }
    if (!member.active) {
      return failure(IDENTITY_RESULTS.member_inactive, `member ${member.id} is deactivated`);
    }
    const next = { ...member };
    if (args.signingKey !== undefined) {
      const keyProblem = checkKeyFree(context.get, args.signingKey, 'signingKey');
      if (keyProblem !== undefined) {
        return keyProblem;
      }
      retireKey(context, member.signingKey);
      saveKey(context, args.signingKey, {
        kind: 'member',
        organization: member.organization,
        member: member.id,
        active: true,
      });
      next.signingKey = args.signingKey;
    }
    if (args.encryptionKey !== undefined) {
      next.encryptionKey = args.encryptionKey;
    }
    saveMember(context, next);
    context.emit('member_key_rotated', {
      member: member.id,
      organization: member.organization,
      signingKeyChanged: args.signingKey !== undefined,
      encryptionKeyChanged: args.encryptionKey !== undefined,
    });
    return OK;
  },
};
