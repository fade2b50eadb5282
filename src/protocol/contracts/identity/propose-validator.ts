/**
 * Action identity.proposeValidator: proposes setting, replacing (key rotation) or removing
 * (null) an organization's validator key. Takes effect one block after it passes.
 */
import { nullable, object } from '../engine/args.js';
import type { ActionDefinition } from '../engine/module.js';
import { organizationId, signingKey } from './fields.js';
import { createProposal } from './proposals.js';

export type ProposeValidatorParams = { organization: string; validatorKey: string | null };

export const proposeValidator: ActionDefinition<ProposeValidatorParams> = {
  name: 'proposeValidator',
  args: object({ organization: organizationId, validatorKey: nullable(signingKey) }),
  execute(context, args) {
    return createProposal(context, {
      type: 'set_validator',
      organization: args.organization,
      validatorKey: args.validatorKey,
    });
  },
};
