/**
 * [R-CONSENT-1] The access decision: may `accessor` read this version of a record, for
 * this purpose, at this moment? One pure function serves both the recordAccess action
 * (which refuses to log an access the chain would not allow) and the check query the
 * vault's gatekeeper calls, so the two can never disagree.
 *
 * [R-CONSENT-2] A grant or break-glass made or revoked in block h counts from block h + 1:
 * other transactions of block h see the state before it, whatever their order in the
 * block. A query reads committed state, which is the state block h + 1 starts from, so it
 * passes `height: 'committed'` and sees every committed change.
 */

import type { StateRead } from '../engine/module.js';
import type { ResultCode } from '../engine/result-codes.js';
import { type ActiveMember, activeMember } from '../records/authorize.js';
import { loadRecord, loadVersion } from '../records/state.js';
import type { Anchor } from '../records/types.js';
import { breakGlassKey, grantKey } from './keys.js';
import { CONSENT_RESULTS } from './results.js';
import { loadBreakGlass, loadGrant, loadGranteeIndex, loadPatientBreakGlass } from './state.js';
import type { BasisKind, BreakGlass, Grant, Purpose } from './types.js';

/** When a decision is made: in block `height`, or over committed state; and its time. */
export type AccessMoment = { height: number | 'committed'; time: number };

export type AccessRequest = {
  accessor: string;
  record: string;
  /** Absent: the latest version. */
  version?: number;
  purpose: Purpose;
  /** The basis to check; absent: search the accessor's grants, then its break-glass. */
  basis?: { kind: BasisKind; id: string };
};

export type AccessBasis = { kind: BasisKind; id: string; key: string };

export type AccessDecision =
  | { allowed: true; basis: AccessBasis; anchor: Anchor; accessor: ActiveMember }
  | { allowed: false; result: ResultCode; message: string };

type Refusal = { allowed: false; result: ResultCode; message: string };

function refuse(result: ResultCode, message: string): Refusal {
  return { allowed: false, result, message };
}

/** Whether a change made in block `madeAt` is visible at `at`. */
function visible(madeAt: number, at: AccessMoment): boolean {
  return at.height === 'committed' || madeAt < at.height;
}

/** A grant's own status at a moment: undefined when it is in force. */
export function grantProblem(grant: Grant, at: AccessMoment): Refusal | undefined {
  if (grant.revokedAt !== null && visible(grant.revokedAt, at)) {
    return refuse(CONSENT_RESULTS.grant_revoked, `grant revoked at height ${grant.revokedAt}`);
  }
  if (!visible(grant.grantedAt, at) || at.time < grant.notBefore) {
    return refuse(CONSENT_RESULTS.grant_not_yet_valid, 'the grant is not in force yet');
  }
  if (at.time >= grant.notAfter) {
    return refuse(CONSENT_RESULTS.grant_expired, `the grant ended at ${grant.notAfter}`);
  }
  return undefined;
}

/** [R-CONSENT-3] A scope covers a record by category, by resource type or by id. */
export function scopeCovers(grant: Grant, anchor: Anchor): boolean {
  const { scope } = grant;
  return (
    scope.categories.includes(anchor.category) ||
    scope.resourceTypes.includes(anchor.resourceType) ||
    scope.recordIds.includes(anchor.id)
  );
}

function checkGrant(
  grant: Grant | undefined,
  request: { anchor: Anchor; accessor: ActiveMember; purpose: Purpose; at: AccessMoment },
): Refusal | undefined {
  if (grant === undefined) {
    return refuse(CONSENT_RESULTS.grant_not_found, 'no such grant');
  }
  if (grant.patient !== request.anchor.patient) {
    return refuse(CONSENT_RESULTS.scope_mismatch, 'the grant is for another patient');
  }
  const problem = grantProblem(grant, request.at);
  if (problem !== undefined) {
    return problem;
  }
  const { member, organization } = request.accessor;
  const matches =
    grant.granteeKind === 'member'
      ? grant.grantee === member.id
      : grant.grantee === organization.id;
  if (!matches) {
    return refuse(CONSENT_RESULTS.grantee_mismatch, `the grant is for ${grant.grantee}`);
  }
  if (grant.purpose !== request.purpose) {
    return refuse(CONSENT_RESULTS.purpose_mismatch, `the grant is for ${grant.purpose}`);
  }
  if (!scopeCovers(grant, request.anchor)) {
    return refuse(CONSENT_RESULTS.scope_mismatch, 'the record is outside the grant scope');
  }
  return undefined;
}

function checkBreakGlass(
  breakGlass: BreakGlass | undefined,
  request: { anchor: Anchor; accessor: ActiveMember; purpose: Purpose; at: AccessMoment },
): Refusal | undefined {
  if (breakGlass === undefined) {
    return refuse(CONSENT_RESULTS.break_glass_not_found, 'no such break-glass');
  }
  if (breakGlass.patient !== request.anchor.patient) {
    return refuse(CONSENT_RESULTS.scope_mismatch, 'the break-glass is for another patient');
  }
  if (!visible(breakGlass.openedAt, request.at) || request.at.time >= breakGlass.notAfter) {
    return refuse(CONSENT_RESULTS.break_glass_inactive, 'the break-glass is not in force');
  }
  if (breakGlass.accessor !== request.accessor.member.id) {
    return refuse(CONSENT_RESULTS.grantee_mismatch, `opened by ${breakGlass.accessor}`);
  }
  if (request.purpose !== 'treatment') {
    return refuse(CONSENT_RESULTS.purpose_mismatch, 'break-glass access is for treatment');
  }
  return undefined;
}

export function decideAccess(
  get: StateRead,
  request: AccessRequest,
  at: AccessMoment,
): AccessDecision {
  const head = loadRecord(get, request.record);
  if (head === undefined) {
    return refuse(CONSENT_RESULTS.record_not_found, `no record ${request.record}`);
  }
  const anchor = loadVersion(get, head.id, request.version ?? head.versions);
  if (anchor === undefined) {
    return refuse(CONSENT_RESULTS.version_not_found, `record ${head.id} has no such version`);
  }
  if (head.status !== 'active') {
    return refuse(CONSENT_RESULTS.record_erased, `record ${head.id} is ${head.status}`);
  }
  const accessor = activeMember({ get }, request.accessor);
  if (accessor === 'not_found') {
    return refuse(CONSENT_RESULTS.accessor_not_found, `no member ${request.accessor}`);
  }
  if (accessor === 'inactive') {
    return refuse(CONSENT_RESULTS.accessor_inactive, `${request.accessor} is not active`);
  }
  const context = { anchor, accessor, purpose: request.purpose, at };
  if (request.basis !== undefined) {
    const { kind, id } = request.basis;
    const problem =
      kind === 'grant'
        ? checkGrant(loadGrant(get, id), context)
        : checkBreakGlass(loadBreakGlass(get, id), context);
    if (problem !== undefined) {
      return problem;
    }
    const key = kind === 'grant' ? grantKey(id) : breakGlassKey(id);
    return { allowed: true, basis: { kind, id, key }, anchor, accessor };
  }
  const basis = findBasis(get, context);
  if (basis === undefined) {
    return refuse(CONSENT_RESULTS.no_consent, `no grant or break-glass covers ${head.id}`);
  }
  return { allowed: true, basis, anchor, accessor };
}

/** The first basis in force: the accessor's own grants, its organization's, its break-glass. */
function findBasis(
  get: StateRead,
  context: { anchor: Anchor; accessor: ActiveMember; purpose: Purpose; at: AccessMoment },
): AccessBasis | undefined {
  const patient = context.anchor.patient;
  const candidates = [
    ...loadGranteeIndex(get, { patient, kind: 'member', grantee: context.accessor.member.id }),
    ...loadGranteeIndex(get, {
      patient,
      kind: 'organization',
      grantee: context.accessor.organization.id,
    }),
  ];
  for (const id of candidates) {
    if (checkGrant(loadGrant(get, id), context) === undefined) {
      return { kind: 'grant', id, key: grantKey(id) };
    }
  }
  const accessor = context.accessor.member.id;
  const breakGlass = loadPatientBreakGlass(get, { patient, accessor });
  if (
    breakGlass !== undefined &&
    checkBreakGlass(loadBreakGlass(get, breakGlass), context) === undefined
  ) {
    return { kind: 'break_glass', id: breakGlass, key: breakGlassKey(breakGlass) };
  }
  return undefined;
}
