/**
 * Object-level authorization: may this caller see this patient's resource? One function
 * per kind of object, used by read, search and _include alike, so a search can never
 * return what a read would refuse. Record metadata follows the chain's own access decision
 * (the consent `check` query) for anyone who is not the patient, author or custodian.
 */
import type { AccessEntry, Grant } from '../../../protocol/contracts/consent/types.js';
import type { RecordHead } from '../../../protocol/contracts/records/types.js';
import type { FhirCaller, LedgerPort } from './types.js';

export type AccessContext = { ledger: LedgerPort; caller: FhirCaller; now: number };

/** Purpose of use the facade asks the chain about: reading a chart is treatment. */
const READ_PURPOSE = 'treatment';

function isStaff(caller: FhirCaller): boolean {
  return caller.kind === 'practitioner' || caller.kind === 'service';
}

/** Patient resources are pseudonymous; staff may see them, a patient only its own. */
export function mayReadPatient(context: AccessContext, patient: string): boolean {
  const { caller } = context;
  return caller.kind === 'patient' ? caller.member === patient : isStaff(caller);
}

export function mayReadRecord(context: AccessContext, head: RecordHead): boolean {
  const { caller, ledger, now } = context;
  if (caller.kind === 'patient') {
    return caller.member === head.patient;
  }
  if (!isStaff(caller)) {
    return false;
  }
  if (head.custodian === caller.organization || head.latest.author === caller.member) {
    return true;
  }
  const allowed = ledger.query('consent', 'check', {
    accessor: caller.member,
    record: head.id,
    purpose: READ_PURPOSE,
    time: `${now}`,
  });
  return allowed !== null;
}

/** A grant is seen by its patient and by the member or organization it names. */
export function mayReadGrant(context: AccessContext, grant: Grant): boolean {
  const { caller } = context;
  if (caller.kind === 'patient') {
    return caller.member === grant.patient;
  }
  if (!isStaff(caller)) {
    return false;
  }
  return grant.granteeKind === 'member'
    ? grant.grantee === caller.member
    : grant.grantee === caller.organization;
}

/** An access log line is seen by its patient and by the member who made the access. */
export function mayReadAccess(context: AccessContext, patient: string, entry: AccessEntry) {
  const { caller } = context;
  if (caller.kind === 'patient') {
    return caller.member === patient;
  }
  return isStaff(caller) && entry.accessor === caller.member;
}
