/**
 * Action consent.revokeConsent: the patient withdraws a grant. [R-CONSENT-2] Revoked in
 * block h, the grant is in force for no check from block h + 1 on, and for no query of
 * state committed at h or later. The grant stays on chain, marked, for the audit trail.
 */
import { object } from '../engine/args.js';
import { type ActionDefinition, failure, OK } from '../engine/module.js';
import { denied } from '../identity/authorize.js';
import { loadMember } from '../identity/state.js';
import { transactionId } from './fields.js';
import { CONSENT_RESULTS } from './results.js';
import { loadGrant, loadGranteeIndex, saveGrant, saveGranteeIndex } from './state.js';

export type RevokeConsentParams = { grant: string };

export const revokeConsent: ActionDefinition<RevokeConsentParams> = {
  name: 'revokeConsent',
  args: object({ grant: transactionId }),
  execute(context, args) {
    const grant = loadGrant(context.get, args.grant);
    if (grant === undefined) {
      return failure(CONSENT_RESULTS.grant_not_found, `no grant ${args.grant}`);
    }
    if (loadMember(context.get, grant.patient)?.signingKey !== context.signer) {
      return denied('only the patient, with its own key, revokes its grants');
    }
    if (grant.revokedAt !== null) {
      return failure(CONSENT_RESULTS.grant_revoked, `revoked at height ${grant.revokedAt}`);
    }
    const index = loadGranteeIndex(context.get, {
      patient: grant.patient,
      kind: grant.granteeKind,
      grantee: grant.grantee,
    });
    saveGranteeIndex(
      context,
      grant,
      index.filter((id) => id !== grant.id),
    );
    saveGrant(context, { ...grant, revokedAt: context.height, revokedTime: context.time });
    context.emit('consent_revoked', {
      grant: grant.id,
      patient: grant.patient,
      grantee: grant.grantee,
      effectiveHeight: context.height + 1,
    });
    return OK;
  },
};
