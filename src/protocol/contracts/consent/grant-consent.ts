/**
 * Action consent.grantConsent: a patient, with its own key, lets a member or a whole
 * organization read records in a scope, for one purpose, within a window of consensus
 * time. The grant id is the transaction's hash, so the SDK knows it before submitting.
 */
import { fail, object, type ParseResult } from '../engine/args.js';
import { type ActionContext, type ActionDefinition, failure, OK } from '../engine/module.js';
import { denied } from '../identity/authorize.js';
import { loadMember, loadOrganization } from '../identity/state.js';
import { memberId } from '../records/fields.js';
import { loadRecord } from '../records/state.js';
import type { Category, ResourceType } from '../records/types.js';
import { consensusTimeMs, granteeKind, purpose, scope } from './fields.js';
import { CONSENT_RESULTS } from './results.js';
import { indexGrant, loadGrant, loadGranteeIndex, saveGrant, saveGranteeIndex } from './state.js';
import { GRANTS_PER_GRANTEE_MAX, type Grant, type GranteeKind, type Purpose } from './types.js';

export type GrantConsentParams = {
  patient: string;
  granteeKind: GranteeKind;
  grantee: string;
  scope: { categories?: Category[]; resourceTypes?: ResourceType[]; recordIds?: string[] };
  purpose: Purpose;
  notBefore: number;
  notAfter: number;
};

const shape = object({
  patient: memberId,
  granteeKind,
  grantee: memberId,
  scope,
  purpose,
  notBefore: consensusTimeMs,
  notAfter: consensusTimeMs,
});

function parse(value: unknown, field: string): ParseResult<GrantConsentParams> {
  const parsed = shape.parse(value, field);
  if (!parsed.ok) {
    return parsed;
  }
  const { categories = [], resourceTypes = [], recordIds = [] } = parsed.value.scope;
  if (categories.length + resourceTypes.length + recordIds.length === 0) {
    return fail('scope', 'scope must list at least one category, resource type or record id');
  }
  return parsed;
}

function granteeExists(context: ActionContext, args: GrantConsentParams): boolean {
  if (args.granteeKind === 'organization') {
    return loadOrganization(context.get, args.grantee)?.active === true;
  }
  const member = loadMember(context.get, args.grantee);
  return member?.active === true;
}

export const grantConsent: ActionDefinition<GrantConsentParams> = {
  name: 'grantConsent',
  args: { optional: false, parse },
  execute(context, args) {
    const patient = loadMember(context.get, args.patient);
    if (patient === undefined || patient.kind !== 'patient') {
      return failure(CONSENT_RESULTS.patient_not_found, `no patient ${args.patient}`);
    }
    if (patient.signingKey !== context.signer) {
      return denied('only the patient, with its own key, grants consent');
    }
    if (!granteeExists(context, args)) {
      return failure(
        CONSENT_RESULTS.grantee_not_found,
        `no active ${args.granteeKind} ${args.grantee}`,
      );
    }
    if (args.notBefore >= args.notAfter || args.notAfter <= context.time) {
      return failure(CONSENT_RESULTS.invalid_window, 'the window is empty or already over');
    }
    const recordIds = args.scope.recordIds ?? [];
    for (const id of recordIds) {
      if (loadRecord(context.get, id)?.patient !== patient.id) {
        return failure(CONSENT_RESULTS.record_not_found, `no record ${id} of this patient`);
      }
    }
    const grant: Grant = {
      id: context.transactionHash,
      patient: patient.id,
      granteeKind: args.granteeKind,
      grantee: args.grantee,
      scope: {
        categories: args.scope.categories ?? [],
        resourceTypes: args.scope.resourceTypes ?? [],
        recordIds,
      },
      purpose: args.purpose,
      notBefore: args.notBefore,
      notAfter: args.notAfter,
      grantedAt: context.height,
      grantedTime: context.time,
      revokedAt: null,
      revokedTime: null,
    };
    return addGrant(context, grant);
  },
};

/** Indexes the grant for access checks, pruning grants that have ended, and saves it. */
function addGrant(context: ActionContext, grant: Grant): ReturnType<typeof failure> | typeof OK {
  const request = { patient: grant.patient, kind: grant.granteeKind, grantee: grant.grantee };
  const live = loadGranteeIndex(context.get, request).filter((id) => {
    const existing = loadGrant(context.get, id);
    return existing !== undefined && existing.notAfter > context.time;
  });
  if (live.length >= GRANTS_PER_GRANTEE_MAX) {
    const message = `at most ${GRANTS_PER_GRANTEE_MAX} live grants per grantee; revoke one`;
    return failure(CONSENT_RESULTS.too_many_grants, message);
  }
  saveGrant(context, grant);
  saveGranteeIndex(context, grant, [...live, grant.id]);
  indexGrant(context, grant.patient, grant.id);
  context.emit('consent_granted', {
    grant: grant.id,
    patient: grant.patient,
    granteeKind: grant.granteeKind,
    grantee: grant.grantee,
    purpose: grant.purpose,
    notBefore: grant.notBefore,
    notAfter: grant.notAfter,
  });
  return OK;
}
