/**
 * Consent result codes, 300-399. Consensus: never renumber, reorder or reuse a code; add
 * new ones at the end. Registry: docs/spec/result-codes.md.
 */
import type { ResultCode } from '../engine/result-codes.js';

export const CONSENT_CODE_BASE = 300;

export const CONSENT_RESULTS = {
  patient_not_found: { code: 300, name: 'consent.patient_not_found' },
  grantee_not_found: { code: 301, name: 'consent.grantee_not_found' },
  invalid_window: { code: 302, name: 'consent.invalid_window' },
  record_not_found: { code: 303, name: 'consent.record_not_found' },
  too_many_grants: { code: 304, name: 'consent.too_many_grants' },
  grant_not_found: { code: 305, name: 'consent.grant_not_found' },
  grant_revoked: { code: 306, name: 'consent.grant_revoked' },
  grant_not_yet_valid: { code: 307, name: 'consent.grant_not_yet_valid' },
  grant_expired: { code: 308, name: 'consent.grant_expired' },
  grantee_mismatch: { code: 309, name: 'consent.grantee_mismatch' },
  purpose_mismatch: { code: 310, name: 'consent.purpose_mismatch' },
  scope_mismatch: { code: 311, name: 'consent.scope_mismatch' },
  record_erased: { code: 312, name: 'consent.record_erased' },
  version_not_found: { code: 313, name: 'consent.version_not_found' },
  accessor_not_found: { code: 314, name: 'consent.accessor_not_found' },
  accessor_inactive: { code: 315, name: 'consent.accessor_inactive' },
  not_emergency: { code: 316, name: 'consent.not_emergency' },
  break_glass_not_found: { code: 317, name: 'consent.break_glass_not_found' },
  break_glass_inactive: { code: 318, name: 'consent.break_glass_inactive' },
  no_consent: { code: 319, name: 'consent.no_consent' },
  patient_inactive: { code: 320, name: 'consent.patient_inactive' },
} as const satisfies Record<string, ResultCode>;
