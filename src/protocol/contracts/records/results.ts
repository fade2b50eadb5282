/**
 * Records result codes, 200-299. Consensus: never renumber, reorder or reuse a code; add
 * new ones at the end. Registry: docs/spec/result-codes.md.
 */
import type { ResultCode } from '../engine/result-codes.js';

export const RECORDS_CODE_BASE = 200;

export const RECORDS_RESULTS = {
  record_exists: { code: 200, name: 'records.record_exists' },
  record_not_found: { code: 201, name: 'records.record_not_found' },
  patient_not_found: { code: 202, name: 'records.patient_not_found' },
  patient_inactive: { code: 203, name: 'records.patient_inactive' },
  author_not_found: { code: 204, name: 'records.author_not_found' },
  author_inactive: { code: 205, name: 'records.author_inactive' },
  author_not_clinical: { code: 206, name: 'records.author_not_clinical' },
  device_not_linked: { code: 207, name: 'records.device_not_linked' },
  device_scope: { code: 208, name: 'records.device_scope' },
  bad_signature: { code: 209, name: 'records.bad_signature' },
  version_conflict: { code: 210, name: 'records.version_conflict' },
  record_erased: { code: 211, name: 'records.record_erased' },
  too_many_versions: { code: 212, name: 'records.too_many_versions' },
  custodian_mismatch: { code: 213, name: 'records.custodian_mismatch' },
  device_not_found: { code: 214, name: 'records.device_not_found' },
  device_linked: { code: 215, name: 'records.device_linked' },
  erasure_requested: { code: 216, name: 'records.erasure_requested' },
  erasure_not_requested: { code: 217, name: 'records.erasure_not_requested' },
} as const satisfies Record<string, ResultCode>;
