/**
 * The identity & governance module: organizations, members, the key index, proposals and
 * the validator set. Every other module decides "who is this signer" through its state.
 */
import type { ModuleDefinition } from '../engine/module.js';
import { deactivateMember } from './deactivate-member.js';
import { identityGenesis } from './genesis.js';
import { proposeAdmission } from './propose-admission.js';
import { proposeRemoval } from './propose-removal.js';
import { proposeValidator } from './propose-validator.js';
import { identityQueries } from './queries.js';
import { registerMember } from './register-member.js';
import { IDENTITY_CODE_BASE, IDENTITY_RESULTS } from './results.js';
import { rotateAdminKey } from './rotate-admin-key.js';
import { rotateMemberKey } from './rotate-member-key.js';
import { vote } from './vote.js';

export const identityModule: ModuleDefinition = {
  name: 'identity',
  codeBase: IDENTITY_CODE_BASE,
  results: Object.values(IDENTITY_RESULTS),
  actions: [
    registerMember,
    rotateMemberKey,
    deactivateMember,
    rotateAdminKey,
    proposeAdmission,
    proposeRemoval,
    proposeValidator,
    vote,
  ],
  queries: identityQueries,
  genesis: identityGenesis,
};
