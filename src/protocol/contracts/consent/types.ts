/**
 * Consent and audit state: grants a patient makes, break-glass openings, and the log of
 * every recorded access. Ids are pseudonymous, scopes are coarse codes, and a break-glass
 * justification is on chain only as a salted hash: nothing here is PHI.
 */
import type { Category, ResourceType } from '../records/types.js';

export const PURPOSES = ['treatment', 'payment', 'operations', 'research'] as const;
export type Purpose = (typeof PURPOSES)[number];

export const GRANTEE_KINDS = ['member', 'organization'] as const;
export type GranteeKind = (typeof GRANTEE_KINDS)[number];

/** Coded reasons for emergency access; the written justification stays with the custodian. */
export const BREAK_GLASS_REASONS = [
  'patient-unconscious',
  'life-threatening',
  'unable-to-consent',
  'other-emergency',
] as const;
export type BreakGlassReason = (typeof BREAK_GLASS_REASONS)[number];

export const BREAK_GLASS_DURATION_MS_MIN = 60_000;
export const BREAK_GLASS_DURATION_MS_MAX = 4 * 60 * 60 * 1000;
/** Live (unrevoked, unexpired) grants one patient may hold for one grantee. */
export const GRANTS_PER_GRANTEE_MAX = 16;
export const SCOPE_RECORD_IDS_MAX = 32;
export const GRANTS_PAGE_SIZE = 32;
export const ACCESSES_PAGE_SIZE = 16;

/** A record is in scope when its category, its resource type or its id is listed. */
export type Scope = {
  categories: Category[];
  resourceTypes: ResourceType[];
  recordIds: string[];
};

export type Grant = {
  /** Hash of the grantConsent transaction. */
  id: string;
  patient: string;
  granteeKind: GranteeKind;
  grantee: string;
  scope: Scope;
  purpose: Purpose;
  /** Validity window in consensus time (ms), half-open: notBefore <= time < notAfter. */
  notBefore: number;
  notAfter: number;
  grantedAt: number;
  grantedTime: number;
  revokedAt: number | null;
  revokedTime: number | null;
};

export type BreakGlass = {
  /** Hash of the breakGlass transaction. */
  id: string;
  patient: string;
  accessor: string;
  organization: string;
  reason: BreakGlassReason;
  /** SHA-256 of the salted written justification the accessor's organization keeps. */
  justificationHash: string;
  openedAt: number;
  openedTime: number;
  /** Access ends at this consensus time (exclusive). */
  notAfter: number;
};

export type PatientConsent = { patient: string; grants: number; accesses: number };

export type BasisKind = 'grant' | 'break_glass';

/**
 * How a reader without its own key wrap got the document key: `escrow` is a custodian's
 * emergency key release under a break-glass (docs/adr/0006-emergency-key-release.md).
 */
export const KEY_RELEASES = ['escrow'] as const;
export type KeyRelease = (typeof KEY_RELEASES)[number];

/** One line of a patient's access log: a recorded read, or a break-glass opening. */
export type AccessEntry =
  | {
      kind: 'access';
      accessor: string;
      organization: string;
      record: string;
      version: number;
      custodian: string;
      purpose: Purpose;
      basis: BasisKind;
      basisId: string;
      /** Present only when the custodian released the document key along with the access. */
      keyRelease?: KeyRelease;
      height: number;
      time: number;
      transaction: string;
    }
  | {
      kind: 'break_glass';
      accessor: string;
      organization: string;
      breakGlass: string;
      reason: BreakGlassReason;
      height: number;
      time: number;
      notAfter: number;
    };
