/**
 * Action consent.recordAccess: the audit event of one read, signed by the custodian that
 * served it (its admin key or a service key): who read which version, for what purpose,
 * under which grant or break-glass. [R-CONSENT-4] The chain logs only accesses it would
 * allow at this block: decideAccess is the same function the check query runs. The entry
 * goes into the patient's access log; reads under break-glass are flagged.
 *
 * `keyRelease: 'escrow'` marks the access at which the custodian's escrow service released
 * the document key to a break-glass reader [R-CONSENT-5]; only a break-glass may carry it,
 * so the patient sees in its own log every time a key left escrow, and under which opening.
 */
import { fail, object, optional, type ParseResult } from '../engine/args.js';
import { type ActionDefinition, failure, OK } from '../engine/module.js';
import { denied } from '../identity/authorize.js';
import { signsForCustodian } from '../records/authorize.js';
import { memberId, recordId, version } from '../records/fields.js';
import { loadRecord } from '../records/state.js';
import { decideAccess } from './decide-access.js';
import { keyRelease, purpose, transactionId } from './fields.js';
import { CONSENT_RESULTS } from './results.js';
import { logAccess } from './state.js';
import type { KeyRelease, Purpose } from './types.js';

export type RecordAccessParams = {
  accessor: string;
  record: string;
  version: number;
  purpose: Purpose;
  /** Exactly one of grant and breakGlass: the basis the gatekeeper decided on. */
  grant?: string;
  breakGlass?: string;
  /** Set by a custodian's escrow service when it releases the document key (break-glass). */
  keyRelease?: KeyRelease;
};

const shape = object({
  accessor: memberId,
  record: recordId,
  version,
  purpose,
  grant: optional(transactionId),
  breakGlass: optional(transactionId),
  keyRelease: optional(keyRelease),
});

function parse(value: unknown, field: string): ParseResult<RecordAccessParams> {
  const parsed = shape.parse(value, field);
  if (parsed.ok && (parsed.value.grant === undefined) === (parsed.value.breakGlass === undefined)) {
    return fail('grant', 'exactly one of grant and breakGlass is required');
  }
  if (parsed.ok && parsed.value.keyRelease !== undefined && parsed.value.grant !== undefined) {
    // A grantee is given a key wrap by the patient; only an emergency reader needs escrow.
    return fail('keyRelease', 'a key is released from escrow only under a break-glass');
  }
  return parsed;
}

export const recordAccess: ActionDefinition<RecordAccessParams> = {
  name: 'recordAccess',
  args: { optional: false, parse },
  execute(context, args) {
    const head = loadRecord(context.get, args.record);
    if (head === undefined) {
      return failure(CONSENT_RESULTS.record_not_found, `no record ${args.record}`);
    }
    if (!signsForCustodian(context, head.custodian)) {
      return denied(`only ${head.custodian}, the record's custodian, records its accesses`);
    }
    const basis =
      args.grant !== undefined
        ? { kind: 'grant' as const, id: args.grant }
        : { kind: 'break_glass' as const, id: args.breakGlass! };
    const decision = decideAccess(
      context.get,
      {
        accessor: args.accessor,
        record: args.record,
        version: args.version,
        purpose: args.purpose,
        basis,
      },
      { height: context.height, time: context.time },
    );
    if (!decision.allowed) {
      return failure(decision.result, decision.message);
    }
    const organization = decision.accessor.organization.id;
    logAccess(context, head.patient, {
      kind: 'access',
      accessor: args.accessor,
      organization,
      record: head.id,
      version: args.version,
      custodian: head.custodian,
      purpose: args.purpose,
      basis: basis.kind,
      basisId: basis.id,
      ...(args.keyRelease === undefined ? {} : { keyRelease: args.keyRelease }),
      height: context.height,
      time: context.time,
      transaction: context.transactionHash,
    });
    context.emit('access_recorded', {
      patient: head.patient,
      record: head.id,
      version: args.version,
      accessor: args.accessor,
      organization,
      custodian: head.custodian,
      purpose: args.purpose,
      basis: basis.kind,
      basisId: basis.id,
      ...(args.keyRelease === undefined ? {} : { keyRelease: args.keyRelease }),
      flagged: basis.kind === 'break_glass',
    });
    return OK;
  },
};
