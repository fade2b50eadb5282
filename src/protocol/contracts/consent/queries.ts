/**
 * Consent queries. Each answers with the one state key it read, so the node can prove it.
 *
 * `check` is what the vault's gatekeeper asks before serving a document. Allowed: the
 * answer is the grant or break-glass that allows it (its key and value), which a verifier
 * re-checks with decideAccess against that proven value, the proven record version and the
 * proven accessor member. Refused: the value is null and the key names the reason
 * (`consent/refused/<result name>`, a key that never exists); a refusal needs no proof,
 * since the gatekeeper serves nothing.
 */
import { isHex } from '../../core/bytes.js';
import type { QueryDefinition, QueryOutcome, StateRead } from '../engine/module.js';
import { ID_PATTERN } from '../identity/fields.js';
import { byId } from '../identity/queries.js';
import { pageById } from '../records/queries.js';
import { VERSIONS_MAX } from '../records/types.js';
import { decideAccess } from './decide-access.js';
import {
  accessesPageKey,
  breakGlassKey,
  grantKey,
  grantsPageKey,
  patientConsentKey,
} from './keys.js';
import { PURPOSES, type Purpose } from './types.js';

const TIME_PATTERN = /^(?:0|[1-9][0-9]{0,15})$/;
const VERSION_PATTERN = /^[1-9][0-9]{0,2}$/;

/** The key a refusal answers with: it never holds a value. */
export function refusalKey(resultName: string): string {
  return `consent/refused/${resultName}`;
}

function byHash(name: string, keyOf: (id: string) => string): QueryDefinition {
  return {
    name,
    params: ['id'],
    run(get, params) {
      const id = params.id;
      if (id === undefined || !isHex(id, 32)) {
        return { ok: false, message: 'id must be a transaction hash (32 bytes, lowercase hex)' };
      }
      const key = keyOf(id);
      return { ok: true, key, value: get(key) ?? null };
    },
  };
}

function runCheck(get: StateRead, params: Record<string, string>): QueryOutcome {
  const { accessor, record, version, purpose, time } = params;
  if (accessor === undefined || !ID_PATTERN.test(accessor)) {
    return { ok: false, message: 'accessor must be a member id' };
  }
  if (record === undefined || !ID_PATTERN.test(record)) {
    return { ok: false, message: 'record must be a record id' };
  }
  if (version !== undefined && (!VERSION_PATTERN.test(version) || Number(version) > VERSIONS_MAX)) {
    return { ok: false, message: `version must be a number from 1 to ${VERSIONS_MAX}` };
  }
  if (purpose === undefined || !(PURPOSES as readonly string[]).includes(purpose)) {
    return { ok: false, message: `purpose must be one of: ${PURPOSES.join(', ')}` };
  }
  if (time === undefined || !TIME_PATTERN.test(time) || !Number.isSafeInteger(Number(time))) {
    return { ok: false, message: 'time must be the consensus time in milliseconds' };
  }
  const decision = decideAccess(
    get,
    {
      accessor,
      record,
      purpose: purpose as Purpose,
      ...(version === undefined ? {} : { version: Number(version) }),
    },
    { height: 'committed', time: Number(time) },
  );
  if (!decision.allowed) {
    return { ok: true, key: refusalKey(decision.result.name), value: null };
  }
  return { ok: true, key: decision.basis.key, value: get(decision.basis.key) ?? null };
}

export const consentQueries: readonly QueryDefinition[] = [
  byHash('grant', grantKey),
  byHash('breakGlass', breakGlassKey),
  byId('patient', 'patient', patientConsentKey),
  pageById('grants', 'patient', grantsPageKey),
  pageById('accesses', 'patient', accessesPageKey),
  {
    name: 'check',
    params: ['accessor', 'record', 'version', 'purpose', 'time'],
    run: runCheck,
  },
];
