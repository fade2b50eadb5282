/**
 * Identity queries. Each answers with the one state key it read, so the node can prove the
 * answer; a member's effective status also needs its organization (query both to prove it).
 */
import { isHex } from '../../core/bytes.js';
import type { QueryDefinition, QueryOutcome, StateRead } from '../engine/module.js';
import { ID_PATTERN } from './fields.js';
import { memberKey, organizationKey, proposalKey, publicKeyKey, VALIDATORS_KEY } from './keys.js';

const PROPOSAL_ID = /^[1-9][0-9]{0,15}$/;

export const ID_MESSAGE = 'must be 3-64 characters of a-z, 0-9 and -';

/** An answer that names the one key it read, so the node can prove it. */
export function read(get: StateRead, key: string): QueryOutcome {
  return { ok: true, key, value: get(key) ?? null };
}

/** A query for the value stored under one id (member, record, patient, ...). */
export function byId(name: string, param: string, keyOf: (id: string) => string): QueryDefinition {
  return {
    name,
    params: [param],
    run(get, params) {
      const id = params[param];
      if (id === undefined || !ID_PATTERN.test(id)) {
        return { ok: false, message: `${param} ${ID_MESSAGE}` };
      }
      return read(get, keyOf(id));
    },
  };
}

export const identityQueries: readonly QueryDefinition[] = [
  byId('organization', 'id', organizationKey),
  byId('member', 'id', memberKey),
  {
    name: 'key',
    params: ['publicKey'],
    run(get, params) {
      const publicKey = params.publicKey;
      if (publicKey === undefined || !isHex(publicKey, 32)) {
        return { ok: false, message: 'publicKey must be 32 bytes of lowercase hex' };
      }
      return read(get, publicKeyKey(publicKey));
    },
  },
  {
    name: 'proposal',
    params: ['id'],
    run(get, params) {
      const id = params.id;
      if (id === undefined || !PROPOSAL_ID.test(id) || !Number.isSafeInteger(Number(id))) {
        return { ok: false, message: 'id must be a proposal number' };
      }
      return read(get, proposalKey(Number(id)));
    },
  },
  { name: 'validators', params: [], run: (get) => read(get, VALIDATORS_KEY) },
];
