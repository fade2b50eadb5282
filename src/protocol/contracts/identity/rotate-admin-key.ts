/**
 * Action identity.rotateAdminKey: an organization's admin replaces its own key. The old
 * key is retired in the same transaction; the new key starts at nonce 0.
 */
import { object } from '../engine/args.js';
import { type ActionDefinition, OK } from '../engine/module.js';
import { requireAdmin } from './authorize.js';
import { signingKey } from './fields.js';
import { checkKeyFree } from './governance.js';
import { retireKey, saveKey, saveOrganization } from './state.js';

export type RotateAdminKeyParams = { adminKey: string };

export const rotateAdminKey: ActionDefinition<RotateAdminKeyParams> = {
  name: 'rotateAdminKey',
  args: object({ adminKey: signingKey }),
  execute(context, args) {
    const admin = requireAdmin(context);
    if (!admin.ok) {
      return admin;
    }
    const organization = admin.value;
    const keyProblem = checkKeyFree(context.get, args.adminKey, 'adminKey');
    if (keyProblem !== undefined) {
      return keyProblem;
    }
    retireKey(context, organization.adminKey);
    saveKey(context, args.adminKey, { kind: 'admin', organization: organization.id, active: true });
    saveOrganization(context, { ...organization, adminKey: args.adminKey });
    context.emit('admin_key_rotated', { organization: organization.id });
    return OK;
  },
};
