/**
 * Actions records.requestErasure and records.confirmErasure: the right to erasure as
 * crypto-shredding. The patient asks (with its own key); from then on no access to the
 * record is recorded as allowed. The custodian destroys the ciphertext and every key wrap
 * in its vault, then confirms: every version gets a tombstone (hashes stay, so the chain
 * still verifies) and the confirmation transaction is the patient's receipt.
 */
import { object } from '../engine/args.js';
import { type ActionDefinition, failure, OK } from '../engine/module.js';
import { denied } from '../identity/authorize.js';
import { loadMember } from '../identity/state.js';
import { signsForCustodian } from './authorize.js';
import { recordId } from './fields.js';
import { RECORDS_RESULTS } from './results.js';
import {
  loadErasure,
  loadRecord,
  loadVersion,
  saveErasure,
  saveRecord,
  saveVersion,
} from './state.js';

export type RequestErasureParams = { record: string };

export const requestErasure: ActionDefinition<RequestErasureParams> = {
  name: 'requestErasure',
  args: object({ record: recordId }),
  execute(context, args) {
    const head = loadRecord(context.get, args.record);
    if (head === undefined) {
      return failure(RECORDS_RESULTS.record_not_found, `no record ${args.record}`);
    }
    if (loadMember(context.get, head.patient)?.signingKey !== context.signer) {
      return denied('only the patient, with its own key, requests erasure');
    }
    if (head.status !== 'active') {
      return failure(RECORDS_RESULTS.erasure_requested, `record ${head.id} is ${head.status}`);
    }
    saveErasure(context, {
      record: head.id,
      patient: head.patient,
      custodian: head.custodian,
      request: context.transactionHash,
      requestedAt: context.height,
      requestedTime: context.time,
      status: 'requested',
      confirmedAt: null,
      confirmedTime: null,
      receipt: null,
    });
    saveRecord(context, { ...head, status: 'erasure_requested' });
    context.emit('erasure_requested', {
      record: head.id,
      patient: head.patient,
      custodian: head.custodian,
    });
    return OK;
  },
};

export type ConfirmErasureParams = { record: string };

export const confirmErasure: ActionDefinition<ConfirmErasureParams> = {
  name: 'confirmErasure',
  args: object({ record: recordId }),
  execute(context, args) {
    const head = loadRecord(context.get, args.record);
    if (head === undefined) {
      return failure(RECORDS_RESULTS.record_not_found, `no record ${args.record}`);
    }
    if (!signsForCustodian(context, head.custodian)) {
      return denied(`only ${head.custodian}, the custodian, confirms erasure`);
    }
    const erasure = loadErasure(context.get, head.id);
    if (head.status === 'erased') {
      return failure(RECORDS_RESULTS.record_erased, `record ${head.id} is already erased`);
    }
    if (erasure === undefined || head.status !== 'erasure_requested') {
      return failure(RECORDS_RESULTS.erasure_not_requested, 'the patient has not asked');
    }
    for (let version = 1; version <= head.versions; version++) {
      const anchor = loadVersion(context.get, head.id, version);
      if (anchor !== undefined) {
        saveVersion(context, { ...anchor, erasedAt: context.height });
      }
    }
    const latest = { ...head.latest, erasedAt: context.height };
    saveRecord(context, { ...head, status: 'erased', latest });
    saveErasure(context, {
      ...erasure,
      status: 'confirmed',
      confirmedAt: context.height,
      confirmedTime: context.time,
      receipt: context.transactionHash,
    });
    context.emit('erasure_confirmed', {
      record: head.id,
      patient: head.patient,
      custodian: head.custodian,
      versions: head.versions,
      request: erasure.request,
    });
    return OK;
  },
};
