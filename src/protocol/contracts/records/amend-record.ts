/**
 * Action records.amendRecord: a new version of a record, linked to the one it replaces.
 * The patient and the custodian stay the same; earlier versions stay on chain untouched.
 * `previousVersion` must be the latest version, so two concurrent amendments cannot both
 * claim to replace it.
 */
import type { Crypto } from '../../core/crypto.js';
import { object } from '../engine/args.js';
import { type ActionDefinition, failure, OK } from '../engine/module.js';
import { checkPatient } from './authorize.js';
import { version } from './fields.js';
import {
  checkNewVersion,
  saveNewVersion,
  VERSION_FIELD_SHAPES,
  type VersionFields,
} from './new-version.js';
import { RECORDS_RESULTS } from './results.js';
import { loadRecord } from './state.js';
import { VERSIONS_MAX } from './types.js';

export type AmendRecordParams = VersionFields & { previousVersion: number };

export function amendRecordAction(crypto: Crypto): ActionDefinition<AmendRecordParams> {
  return {
    name: 'amendRecord',
    args: object({
      ...VERSION_FIELD_SHAPES,
      previousVersion: version,
    }),
    execute(context, args) {
      const head = loadRecord(context.get, args.id);
      if (head === undefined) {
        return failure(RECORDS_RESULTS.record_not_found, `no record ${args.id}`);
      }
      if (head.status !== 'active') {
        return failure(RECORDS_RESULTS.record_erased, `record ${args.id} is ${head.status}`);
      }
      if (args.previousVersion !== head.versions) {
        const message = `version ${head.versions} is the latest, not ${args.previousVersion}`;
        return failure(RECORDS_RESULTS.version_conflict, message);
      }
      if (head.versions >= VERSIONS_MAX) {
        return failure(RECORDS_RESULTS.too_many_versions, `a record has at most ${VERSIONS_MAX}`);
      }
      const patient = checkPatient(context, head.patient);
      if (!patient.ok) {
        return patient;
      }
      const checked = checkNewVersion(crypto, context, {
        fields: args,
        patient: head.patient,
        version: head.versions + 1,
        custodian: head.custodian,
      });
      if (!checked.ok) {
        return checked;
      }
      saveNewVersion(context, checked.value);
      return OK;
    },
  };
}
