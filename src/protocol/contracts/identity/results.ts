/**
 * Identity result codes, 100-199. Consensus: never renumber, reorder or reuse a code; add
 * new ones at the end. Registry: docs/spec/result-codes.md.
 */
import type { ResultCode } from '../engine/result-codes.js';

export const IDENTITY_CODE_BASE = 100;

export const IDENTITY_RESULTS = {
  organization_not_found: { code: 100, name: 'identity.organization_not_found' },
  organization_exists: { code: 101, name: 'identity.organization_exists' },
  organization_inactive: { code: 102, name: 'identity.organization_inactive' },
  member_not_found: { code: 103, name: 'identity.member_not_found' },
  member_exists: { code: 104, name: 'identity.member_exists' },
  member_inactive: { code: 105, name: 'identity.member_inactive' },
  key_in_use: { code: 106, name: 'identity.key_in_use' },
  proposal_not_found: { code: 107, name: 'identity.proposal_not_found' },
  proposal_closed: { code: 108, name: 'identity.proposal_closed' },
  proposal_expired: { code: 109, name: 'identity.proposal_expired' },
  already_voted: { code: 110, name: 'identity.already_voted' },
  validator_set_empty: { code: 111, name: 'identity.validator_set_empty' },
  no_validator: { code: 112, name: 'identity.no_validator' },
} as const satisfies Record<string, ResultCode>;
