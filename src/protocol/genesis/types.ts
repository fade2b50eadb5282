/**
 * The genesis file: everything a network starts from. Operators read it, hash it
 * (genesisHash) and compare hashes before starting their validators.
 */
import type { MemberKind, OrganizationRole } from '../contracts/identity/types.js';

export type GenesisMember = {
  id: string;
  kind: MemberKind;
  signingKey: string;
  encryptionKey: string;
  roles?: string[];
  displayName?: string;
};

export type GenesisOrganization = {
  id: string;
  name: string;
  role: OrganizationRole;
  adminKey: string;
  validatorKey?: string;
  members?: GenesisMember[];
};

export type ConsensusParams = {
  /** Most transactions a block may hold. */
  blockTransactionsMax: number;
  /** Target interval between blocks. */
  blockTimeMs: number;
};

export type Genesis = {
  chainId: string;
  /** Time of height 0, milliseconds since the Unix epoch; block 1's time must not be earlier. */
  genesisTime: number;
  /** Version of the state machine rules; blocks executed by another version diverge. */
  appVersion: number;
  consensus: ConsensusParams;
  organizations: GenesisOrganization[];
};

export const APP_VERSION = 1;
