/**
 * Identity and governance state: organizations, their members, the key index and
 * proposals. These are the JSON shapes stored under "identity/..."; none carries PHI
 * (a patient member is a pseudonymous id and two public keys).
 */
import type { Validator } from '../engine/types.js';

export const ORGANIZATION_ROLES = [
  'hospital',
  'clinic',
  'lab',
  'pharmacy',
  'payer',
  'manufacturer',
  'distributor',
  'sponsor',
  'research',
  'regulator',
] as const;
export type OrganizationRole = (typeof ORGANIZATION_ROLES)[number];

export const MEMBER_KINDS = ['practitioner', 'patient', 'device', 'service'] as const;
export type MemberKind = (typeof MEMBER_KINDS)[number];

export type Organization = {
  id: string;
  name: string;
  role: OrganizationRole;
  /** Ed25519 key (hex) that signs for the organization: members, votes, proposals. */
  adminKey: string;
  /** Ed25519 key (hex) of its validator node; null when it runs none. */
  validatorKey: string | null;
  active: boolean;
};

export type Member = {
  id: string;
  organization: string;
  kind: MemberKind;
  signingKey: string;
  /** X25519 public key (hex) that documents are wrapped to. */
  encryptionKey: string;
  roles: string[];
  /** Only for practitioners, devices and services; never for patients. */
  displayName?: string;
  /** Effective status also needs the organization active: removal is not copied to members. */
  active: boolean;
};

export type KeyKind = 'admin' | 'member' | 'validator';

/** What a public key is. Keys are never forgotten, so a retired key cannot come back. */
export type KeyRecord = {
  kind: KeyKind;
  organization: string;
  member?: string;
  active: boolean;
};

export type NewOrganization = {
  id: string;
  name: string;
  role: OrganizationRole;
  adminKey: string;
  validatorKey: string | null;
};

export type ProposalChange =
  | { type: 'admit_organization'; organization: NewOrganization }
  | { type: 'remove_organization'; organization: string }
  | { type: 'set_validator'; organization: string; validatorKey: string | null };

export type ProposalStatus = 'open' | 'passed' | 'rejected' | 'failed';

export type Proposal = {
  id: number;
  /** Organization whose admin created it. */
  proposer: string;
  change: ProposalChange;
  createdAt: number;
  /** Last height at which a vote is accepted. */
  expiresAt: number;
  /** Organization id to its vote (true = yes). */
  votes: Record<string, boolean>;
  status: ProposalStatus;
  decidedAt?: number;
  /** For a failed proposal: the result name that stopped it from applying. */
  failure?: string;
};

/**
 * The validator set. A change takes effect at `effectiveHeight`; blocks below it are still
 * decided by `previous`, so the set that certified a block can be read after it executes.
 */
export type ValidatorSet = {
  validators: Validator[];
  effectiveHeight: number;
  previous: Validator[];
};

export type IdentitySummary = {
  organizationsActive: number;
  /** Id of the next proposal; proposals are numbered from 1. */
  proposalNext: number;
};

/** Votes are accepted for this many blocks after the proposal's height. */
export const PROPOSAL_LIFETIME_BLOCKS = 100_000;
/** A validator change passed at height h decides blocks from h + this delay. */
export const VALIDATOR_CHANGE_DELAY_BLOCKS = 1;
export const VALIDATOR_POWER = 1;
