/**
 * The consent and audit module: patients' grants and revocations, break-glass access, the
 * custodian-signed log of every read, and the access check the vault's gatekeeper asks.
 * Reads records and identity state; writes only its own. Spec: docs/spec/consent.md.
 */
import type { ActionDefinition, ModuleDefinition } from '../engine/module.js';
import { breakGlass } from './break-glass.js';
import { grantConsent } from './grant-consent.js';
import { consentQueries } from './queries.js';
import { recordAccess } from './record-access.js';
import { CONSENT_CODE_BASE, CONSENT_RESULTS } from './results.js';
import { revokeConsent } from './revoke-consent.js';

export const consentModule: ModuleDefinition = {
  name: 'consent',
  codeBase: CONSENT_CODE_BASE,
  results: Object.values(CONSENT_RESULTS),
  actions: [grantConsent, revokeConsent, breakGlass, recordAccess] as ActionDefinition<unknown>[],
  queries: consentQueries,
  genesis: () => [],
};
