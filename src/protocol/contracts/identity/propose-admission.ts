/**
 * Action identity.proposeAdmission: an active organization's admin proposes admitting a
 * new organization with its admin key and, optionally, a validator key.
 */
import { nullable, object, optional } from '../engine/args.js';
import type { ActionDefinition } from '../engine/module.js';
import { displayName, organizationId, organizationRole, signingKey } from './fields.js';
import { createProposal } from './proposals.js';
import type { OrganizationRole } from './types.js';

export type ProposeAdmissionParams = {
  id: string;
  name: string;
  role: OrganizationRole;
  adminKey: string;
  validatorKey?: string | null;
};

export const proposeAdmission: ActionDefinition<ProposeAdmissionParams> = {
  name: 'proposeAdmission',
  args: object({
    id: organizationId,
    name: displayName,
    role: organizationRole,
    adminKey: signingKey,
    validatorKey: optional(nullable(signingKey)),
  }),
  execute(context, args) {
    return createProposal(context, {
      type: 'admit_organization',
      organization: {
        id: args.id,
        name: args.name,
        role: args.role,
        adminKey: args.adminKey,
        validatorKey: args.validatorKey ?? null,
      },
    });
  },
};
