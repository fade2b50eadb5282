/**
 * Action identity.proposeRemoval: proposes removing an organization. Once passed, its
 * admin key, its validator and (through the organization's status) all its members stop
 * working; its id is never reused.
 */
import { object } from '../engine/args.js';
import type { ActionDefinition } from '../engine/module.js';
import { organizationId } from './fields.js';
import { createProposal } from './proposals.js';

export type ProposeRemovalParams = { organization: string };

export const proposeRemoval: ActionDefinition<ProposeRemovalParams> = {
  name: 'proposeRemoval',
  args: object({ organization: organizationId }),
  execute(context, args) {
    return createProposal(context, {
      type: 'remove_organization',
      organization: args.organization,
    });
  },
};
