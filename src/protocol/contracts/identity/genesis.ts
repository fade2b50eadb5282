/**
 * Identity state at height 0, from the genesis file's organizations and members. The
 * genesis decoder has already checked ids and keys are unique and a validator exists.
 */
import type { JsonValue } from '../../core/canonical.js';
import type { Genesis } from '../../genesis/types.js';
import type { Validator } from '../engine/types.js';
import { memberKey, organizationKey, publicKeyKey, SUMMARY_KEY, VALIDATORS_KEY } from './keys.js';
import type { IdentitySummary, KeyRecord, Member, Organization, ValidatorSet } from './types.js';
import { VALIDATOR_POWER } from './types.js';
import { sortValidators } from './validator-set.js';

export function identityGenesis(genesis: Genesis): [string, JsonValue][] {
  const entries: [string, JsonValue][] = [];
  const add = (key: string, value: unknown) => entries.push([key, value as JsonValue]);
  const validators: Validator[] = [];
  for (const source of genesis.organizations) {
    const validatorKey = source.validatorKey ?? null;
    const organization: Organization = {
      id: source.id,
      name: source.name,
      role: source.role,
      adminKey: source.adminKey,
      validatorKey,
      active: true,
    };
    add(organizationKey(organization.id), organization);
    add(publicKeyKey(source.adminKey), keyRecord('admin', source.id));
    if (validatorKey !== null) {
      add(publicKeyKey(validatorKey), keyRecord('validator', source.id));
      validators.push({ publicKey: validatorKey, organization: source.id, power: VALIDATOR_POWER });
    }
    for (const item of source.members ?? []) {
      const member: Member = {
        id: item.id,
        organization: source.id,
        kind: item.kind,
        signingKey: item.signingKey,
        encryptionKey: item.encryptionKey,
        roles: item.roles ?? [],
        active: true,
      };
      if (item.displayName !== undefined) {
        member.displayName = item.displayName;
      }
      add(memberKey(member.id), member);
      add(publicKeyKey(member.signingKey), {
        ...keyRecord('member', source.id),
        member: member.id,
      });
    }
  }
  const set: ValidatorSet = {
    validators: sortValidators(validators),
    effectiveHeight: 0,
    previous: [],
  };
  add(VALIDATORS_KEY, set);
  const summary: IdentitySummary = {
    organizationsActive: genesis.organizations.length,
    proposalNext: 1,
  };
  add(SUMMARY_KEY, summary);
  return entries;
}

function keyRecord(kind: KeyRecord['kind'], organization: string): KeyRecord {
  return { kind, organization, active: true };
}
