/**
 * The FhirAuth port over the API's request authentication: the same signed requests and
 * tokens as every other route, so the facade has no login of its own. An organization's
 * admin key acts for its organization (as custodian) but is no member: it cannot create.
 */
import type { Authenticator } from '../auth.js';
import type { ApiBackend } from '../backend.js';
import { ledgerFromBackend } from './ledger.js';
import { createFhirRoutes } from './routes.js';
import type { FhirAuth, FhirCaller } from './types.js';

const KINDS: readonly string[] = ['practitioner', 'patient', 'device', 'service'];

export function fhirAuth(authenticator: Pick<Authenticator, 'authenticate'>): FhirAuth {
  return {
    async caller(request) {
      const result = await authenticator.authenticate(request);
      if (!result.ok) {
        return undefined;
      }
      const { principal } = result;
      if (principal.kind === 'admin' || principal.member === undefined) {
        return { member: '', organization: principal.organization, kind: 'service', roles: [] };
      }
      const kind = KINDS.includes(principal.memberKind ?? '') ? principal.memberKind : undefined;
      if (kind === undefined) {
        return undefined;
      }
      return {
        member: principal.member,
        organization: principal.organization,
        kind: kind as FhirCaller['kind'],
        roles: principal.roles,
      };
    },
  };
}

/** The facade over a backend, authenticated like the rest of the API: mount at /fhir/R4. */
export function fhirRoutesFor(backend: ApiBackend, authenticator: Authenticator) {
  return createFhirRoutes({ ledger: ledgerFromBackend(backend), auth: fhirAuth(authenticator) });
}
