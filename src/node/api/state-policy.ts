/**
 * Object-level authorization of state queries (docs/spec/auth.md). Identity and engine
 * state is public: organizations, members' public keys and nonces are what every client
 * needs to build transactions. Records and consent state say who reads whose records, so
 * those queries need an authenticated principal and each answer is checked against the
 * object it names: a patient sees only its own records, grants and access log; a custodian
 * its records; a grantee its grant. Anything not listed is refused (deny by default).
 */
import { PURPOSES } from '../../protocol/contracts/consent/types.js';
import type { Principal, StateLookup } from './auth.js';

export const PROTECTED_MODULES: readonly string[] = ['records', 'consent'];

export type PolicyDecision = { ok: true } | { ok: false; detail: string };

const ALLOW: PolicyDecision = { ok: true };
const deny = (detail: string): PolicyDecision => ({ ok: false, detail });

type RecordHead = { patient: string; custodian: string };
type GrantValue = { patient: string; granteeKind: string; grantee: string };
type BreakGlassValue = { patient: string; accessor: string; organization: string };

function isPatient(principal: Principal, patient: string): boolean {
  return principal.kind === 'member' && principal.member === patient;
}

/** May this principal read the record named by `id`: patient, custodian, or covered reader. */
function mayReadRecord(
  principal: Principal,
  id: string | undefined,
  context: { lookup: StateLookup; latestTime: () => number },
): PolicyDecision {
  if (id === undefined) {
    return deny('name the record');
  }
  const head = context.lookup('records', 'record', { id }) as RecordHead | null;
  if (head === null) {
    // Nothing to protect; the answer is null either way, and says nothing about a patient.
    return ALLOW;
  }
  if (isPatient(principal, head.patient) || principal.organization === head.custodian) {
    return ALLOW;
  }
  const accessor = principal.member;
  const time = String(context.latestTime());
  const covered = PURPOSES.some(
    (purpose) =>
      accessor !== undefined &&
      context.lookup('consent', 'check', { accessor, record: id, purpose, time }) !== null,
  );
  if (covered) {
    return ALLOW;
  }
  return deny('only the patient, the custodian or a reader with consent sees this record');
}

function grantPolicy(principal: Principal, grant: GrantValue | null): PolicyDecision {
  if (grant === null || isPatient(principal, grant.patient)) {
    return ALLOW;
  }
  const grantee = grant.granteeKind === 'member' ? principal.member : principal.organization;
  return grantee === grant.grantee ? ALLOW : deny('only the patient or the grantee sees a grant');
}

function breakGlassPolicy(principal: Principal, value: BreakGlassValue | null): PolicyDecision {
  if (value === null || isPatient(principal, value.patient)) {
    return ALLOW;
  }
  if (principal.member === value.accessor || principal.organization === value.organization) {
    return ALLOW;
  }
  return deny('only the patient and the opening organization see a break-glass');
}

/** Decides one records or consent query for an authenticated principal. */
export function authorizeStateQuery(
  principal: Principal,
  query: { module: string; name: string; params: Record<string, string> },
  context: { lookup: StateLookup; latestTime: () => number },
): PolicyDecision {
  const { module, name, params } = query;
  const ownPatient = (patient: string | undefined) =>
    patient !== undefined && isPatient(principal, patient)
      ? ALLOW
      : deny('a patient sees only its own records, grants and access log');
  const key = `${module}.${name}`;
  switch (key) {
    case 'records.record':
    case 'records.version':
      return mayReadRecord(principal, params.id, context);
    case 'records.erasure':
      return mayReadRecord(principal, params.record, context);
    case 'records.patient':
    case 'records.byPatient':
    case 'consent.patient':
    case 'consent.grants':
    case 'consent.accesses':
      return ownPatient(params.patient);
    case 'records.device': {
      const link = context.lookup('records', 'device', { id: params.id ?? '' }) as {
        patient: string;
      } | null;
      const self = principal.member !== undefined && principal.member === params.id;
      return link === null || self ? ALLOW : ownPatient(link.patient);
    }
    case 'consent.grant':
      return grantPolicy(principal, context.lookup('consent', 'grant', params) as GrantValue);
    case 'consent.breakGlass': {
      const value = context.lookup('consent', 'breakGlass', params) as BreakGlassValue | null;
      return breakGlassPolicy(principal, value);
    }
    case 'consent.check':
      // The accessor itself, or its organization (the custodian's vault service asks).
      if (principal.member === params.accessor) {
        return ALLOW;
      }
      return mayReadRecord(principal, params.record, context).ok &&
        principal.member !== undefined &&
        principal.memberKind === 'service'
        ? ALLOW
        : deny('only the accessor, or the custodian service, checks an access');
    default:
      return deny(`${key} is not open to API clients`);
  }
}
