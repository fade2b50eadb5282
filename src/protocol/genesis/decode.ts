/**
 * Strict validation of a genesis file (parsed JSON). Every message names the field, e.g.
 * "organizations[2].adminKey must be an Ed25519 public key ...", so an operator can fix the
 * file by reading the error.
 */
import {
  fail,
  integer,
  list,
  object,
  optional,
  type ParseResult,
  text,
} from '../contracts/engine/args.js';
import {
  displayName,
  encryptionKey,
  memberId,
  memberKind,
  memberRoles,
  organizationId,
  organizationRole,
  signingKey,
} from '../contracts/identity/fields.js';
import type { Genesis } from './types.js';

export const GENESIS_LIMITS = {
  organizationsMax: 256,
  membersPerOrganizationMax: 1024,
  blockTransactionsMax: 100_000,
  blockTimeMsMax: 60_000,
} as const;

const CHAIN_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
const TIME_MAX = 8_640_000_000_000_000;

const memberSchema = object({
  id: memberId,
  kind: memberKind,
  signingKey,
  encryptionKey,
  roles: optional(memberRoles),
  displayName: optional(displayName),
});

const organizationSchema = object({
  id: organizationId,
  name: displayName,
  role: organizationRole,
  adminKey: signingKey,
  validatorKey: optional(signingKey),
  members: optional(
    list(memberSchema, {
      lengthMax: GENESIS_LIMITS.membersPerOrganizationMax,
      unique: false,
    }),
  ),
});

const genesisSchema = object({
  chainId: text(CHAIN_ID, '1-64 characters of a-z, 0-9 and -, starting with a letter or digit'),
  genesisTime: integer({ min: 0, max: TIME_MAX }),
  appVersion: integer({ min: 1, max: 1_000_000 }),
  consensus: object({
    blockTransactionsMax: integer({ min: 1, max: GENESIS_LIMITS.blockTransactionsMax }),
    blockTimeMs: integer({ min: 1, max: GENESIS_LIMITS.blockTimeMsMax }),
  }),
  organizations: list(organizationSchema, {
    lengthMax: GENESIS_LIMITS.organizationsMax,
    unique: false,
  }),
});

export function decodeGenesis(value: unknown): ParseResult<Genesis> {
  const parsed = genesisSchema.parse(value, '');
  if (!parsed.ok) {
    return parsed;
  }
  const genesis = parsed.value as Genesis;
  const problem = checkConsistency(genesis);
  return problem ?? { ok: true, value: genesis };
}

/** Rules across fields: unique ids and keys, no patient names, at least one validator. */
function checkConsistency(
  genesis: Genesis,
): { ok: false; field: string; message: string } | undefined {
  if (genesis.organizations.length === 0) {
    return fail('organizations', 'organizations must list at least one organization');
  }
  const ids = new Set<string>();
  const memberIds = new Set<string>();
  const keys = new Set<string>();
  const useKey = (key: string, field: string) => {
    if (keys.has(key)) {
      return fail(field, `${field} repeats a key used elsewhere in genesis`);
    }
    keys.add(key);
    return undefined;
  };
  let validators = 0;
  for (const [index, organization] of genesis.organizations.entries()) {
    const at = `organizations[${index}]`;
    if (ids.has(organization.id)) {
      return fail(`${at}.id`, `${at}.id repeats "${organization.id}"`);
    }
    ids.add(organization.id);
    const problem =
      useKey(organization.adminKey, `${at}.adminKey`) ??
      (organization.validatorKey === undefined
        ? undefined
        : useKey(organization.validatorKey, `${at}.validatorKey`));
    if (problem !== undefined) {
      return problem;
    }
    validators += organization.validatorKey === undefined ? 0 : 1;
    for (const [position, member] of (organization.members ?? []).entries()) {
      const field = `${at}.members[${position}]`;
      if (memberIds.has(member.id)) {
        return fail(`${field}.id`, `${field}.id repeats member "${member.id}"`);
      }
      memberIds.add(member.id);
      if (member.kind === 'patient' && member.displayName !== undefined) {
        return fail(`${field}.displayName`, 'patients carry no name on chain');
      }
      const keyProblem = useKey(member.signingKey, `${field}.signingKey`);
      if (keyProblem !== undefined) {
        return keyProblem;
      }
    }
  }
  if (validators === 0) {
    return fail('organizations', 'at least one organization must have a validatorKey');
  }
  return undefined;
}
