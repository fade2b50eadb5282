/**
 * A demo network: a hospital, a clinic, a payer and a pharmacy, each running a validator.
 * The caller generates the keys; protocol code has no randomness.
 */
import type { OrganizationRole } from '../contracts/identity/types.js';
import { APP_VERSION, type Genesis, type GenesisOrganization } from './types.js';

export type DemoOrganizationKeys = {
  /** Ed25519 public key (hex) of the organization's admin. */
  adminKey: string;
  /** Ed25519 public key (hex) of its validator node. */
  validatorKey: string;
};

export type DemoGenesisOptions = {
  chainId: string;
  genesisTime: number;
  keys: {
    hospital: DemoOrganizationKeys;
    clinic: DemoOrganizationKeys;
    payer: DemoOrganizationKeys;
    pharmacy: DemoOrganizationKeys;
  };
  blockTransactionsMax?: number;
  blockTimeMs?: number;
};

export const DEMO_ORGANIZATION_IDS = {
  hospital: 'org-general-hospital',
  clinic: 'org-riverside-clinic',
  payer: 'org-united-health-payer',
  pharmacy: 'org-city-pharmacy',
} as const;

export function createDemoGenesis(options: DemoGenesisOptions): Genesis {
  const { keys } = options;
  const organizations: GenesisOrganization[] = [
    demoOrganization(DEMO_ORGANIZATION_IDS.hospital, 'General Hospital', 'hospital', keys.hospital),
    demoOrganization(DEMO_ORGANIZATION_IDS.clinic, 'Riverside Clinic', 'clinic', keys.clinic),
    demoOrganization(DEMO_ORGANIZATION_IDS.payer, 'United Health Payer', 'payer', keys.payer),
    demoOrganization(DEMO_ORGANIZATION_IDS.pharmacy, 'City Pharmacy', 'pharmacy', keys.pharmacy),
  ];
  return {
    chainId: options.chainId,
    genesisTime: options.genesisTime,
    appVersion: APP_VERSION,
    consensus: {
      blockTransactionsMax: options.blockTransactionsMax ?? 5_000,
      blockTimeMs: options.blockTimeMs ?? 1_000,
    },
    organizations,
  };
}

function demoOrganization(
  id: string,
  name: string,
  role: OrganizationRole,
  keys: DemoOrganizationKeys,
): GenesisOrganization {
  // Copy only the two keys: callers may pass richer key objects.
  return { id, name, role, adminKey: keys.adminKey, validatorKey: keys.validatorKey };
}
