/**
 * Action records.anchorRecord: the first version of a health record. The ciphertext is
 * already in the custodian's vault; the chain gets its hash, size, locator and the
 * author's signature, and the record joins its patient's index.
 */
import type { Crypto } from '../../core/crypto.js';
import { object } from '../engine/args.js';
import { type ActionDefinition, failure, OK } from '../engine/module.js';
import { checkPatient } from './authorize.js';
import { memberId } from './fields.js';
import {
  checkNewVersion,
  saveNewVersion,
  VERSION_FIELD_SHAPES,
  type VersionFields,
} from './new-version.js';
import { RECORDS_RESULTS } from './results.js';
import { indexPatientRecord, loadRecord } from './state.js';

export type AnchorRecordParams = VersionFields & { patient: string };

export function anchorRecordAction(crypto: Crypto): ActionDefinition<AnchorRecordParams> {
  return {
    name: 'anchorRecord',
    args: object({
      ...VERSION_FIELD_SHAPES,
      patient: memberId,
    }),
    execute(context, args) {
      if (loadRecord(context.get, args.id) !== undefined) {
        return failure(RECORDS_RESULTS.record_exists, `record ${args.id} exists`);
      }
      const patient = checkPatient(context, args.patient);
      if (!patient.ok) {
        return patient;
      }
      const checked = checkNewVersion(crypto, context, {
        fields: args,
        patient: args.patient,
        version: 1,
      });
      if (!checked.ok) {
        return checked;
      }
      saveNewVersion(context, checked.value);
      indexPatientRecord(context, args.patient, args.id);
      return OK;
    },
  };
}
