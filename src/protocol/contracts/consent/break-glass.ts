/**
 * Action consent.breakGlass: a practitioner with the emergency role, at an active clinical
 * organization, opens time-boxed access to all of a patient's records for treatment. The
 * written justification stays with the organization; the chain gets a coded reason and
 * the SHA-256 of the salted text, so auditors can check the text without PHI on chain.
 * The opening goes into the patient's access log and emits an event flagged for the
 * patient and for auditors.
 */
import { object } from '../engine/args.js';
import { type ActionDefinition, failure, OK } from '../engine/module.js';
import { denied } from '../identity/authorize.js';
import { loadKey, loadMember, loadOrganization } from '../identity/state.js';
import { activeMember, isClinical } from '../records/authorize.js';
import { memberId } from '../records/fields.js';
import { breakGlassDurationMs, breakGlassReason, justificationHash } from './fields.js';
import { CONSENT_RESULTS } from './results.js';
import { logAccess, saveBreakGlass } from './state.js';
import type { BreakGlass, BreakGlassReason } from './types.js';

export type BreakGlassParams = {
  patient: string;
  reason: BreakGlassReason;
  justificationHash: string;
  durationMs: number;
};

export const breakGlass: ActionDefinition<BreakGlassParams> = {
  name: 'breakGlass',
  args: object({
    patient: memberId,
    reason: breakGlassReason,
    justificationHash,
    durationMs: breakGlassDurationMs,
  }),
  execute(context, args) {
    const patient = loadMember(context.get, args.patient);
    if (patient === undefined || patient.kind !== 'patient') {
      return failure(CONSENT_RESULTS.patient_not_found, `no patient ${args.patient}`);
    }
    if (!patient.active || loadOrganization(context.get, patient.organization)?.active !== true) {
      return failure(CONSENT_RESULTS.patient_inactive, `patient ${patient.id} is not active`);
    }
    const key = loadKey(context.get, context.signer);
    const found = key?.member === undefined ? 'not_found' : activeMember(context, key.member);
    if (typeof found === 'string' || found.member.signingKey !== context.signer) {
      return denied('break-glass is opened by a practitioner with its own key');
    }
    if (!isClinical(found, ['emergency'])) {
      return failure(CONSENT_RESULTS.not_emergency, `${found.member.id} has no emergency role`);
    }
    const opened: BreakGlass = {
      id: context.transactionHash,
      patient: patient.id,
      accessor: found.member.id,
      organization: found.organization.id,
      reason: args.reason,
      justificationHash: args.justificationHash,
      openedAt: context.height,
      openedTime: context.time,
      notAfter: context.time + args.durationMs,
    };
    saveBreakGlass(context, opened);
    logAccess(context, patient.id, {
      kind: 'break_glass',
      accessor: opened.accessor,
      organization: opened.organization,
      breakGlass: opened.id,
      reason: opened.reason,
      height: opened.openedAt,
      time: opened.openedTime,
      notAfter: opened.notAfter,
    });
    context.emit('break_glass_opened', {
      breakGlass: opened.id,
      patient: opened.patient,
      accessor: opened.accessor,
      organization: opened.organization,
      reason: opened.reason,
      notAfter: opened.notAfter,
      flagged: true,
    });
    return OK;
  },
};
