/**
 * Governance changes: what a proposal may change, the checks it must pass when it is
 * created and again when it passes (state may have moved in between), and how it applies.
 * Checks never write and applying never fails, so a proposal that cannot apply changes
 * nothing but its own status.
 */
import {
  type ActionContext,
  type ActionFailure,
  failure,
  type StateRead,
} from '../engine/module.js';
import { IDENTITY_RESULTS } from './results.js';
import {
  loadKey,
  loadOrganization,
  loadSummary,
  retireKey,
  saveKey,
  saveOrganization,
  saveSummary,
} from './state.js';
import type { NewOrganization, Organization, ProposalChange } from './types.js';
import { VALIDATOR_CHANGE_DELAY_BLOCKS, VALIDATOR_POWER } from './types.js';
import {
  checkNotEmpty,
  loadValidatorSet,
  scheduleValidators,
  withValidator,
} from './validator-set.js';

export function checkChange(get: StateRead, change: ProposalChange): ActionFailure | undefined {
  switch (change.type) {
    case 'admit_organization':
      return checkAdmission(get, change.organization);
    case 'remove_organization': {
      const found = findActive(get, change.organization);
      if ('result' in found) {
        return found;
      }
      const validators = withValidator(loadValidatorSet(get).validators, {
        organization: found.id,
        publicKey: null,
        power: VALIDATOR_POWER,
      });
      return checkNotEmpty(validators);
    }
    case 'set_validator':
      return checkValidatorChange(get, change);
  }
}

function checkAdmission(get: StateRead, organization: NewOrganization): ActionFailure | undefined {
  if (loadOrganization(get, organization.id) !== undefined) {
    // Ids of removed organizations stay taken: their members' records still point at them.
    return failure(IDENTITY_RESULTS.organization_exists, `organization ${organization.id} exists`);
  }
  if (organization.validatorKey === organization.adminKey) {
    return failure(IDENTITY_RESULTS.key_in_use, 'adminKey and validatorKey must differ');
  }
  return (
    checkKeyFree(get, organization.adminKey, 'adminKey') ??
    (organization.validatorKey === null
      ? undefined
      : checkKeyFree(get, organization.validatorKey, 'validatorKey'))
  );
}

function checkValidatorChange(
  get: StateRead,
  change: { organization: string; validatorKey: string | null },
): ActionFailure | undefined {
  const found = findActive(get, change.organization);
  if ('result' in found) {
    return found;
  }
  if (change.validatorKey === null) {
    if (found.validatorKey === null) {
      return failure(IDENTITY_RESULTS.no_validator, `${found.id} runs no validator`);
    }
    const validators = withValidator(loadValidatorSet(get).validators, {
      organization: found.id,
      publicKey: null,
      power: VALIDATOR_POWER,
    });
    return checkNotEmpty(validators);
  }
  return checkKeyFree(get, change.validatorKey, 'validatorKey');
}

export function checkKeyFree(
  get: StateRead,
  publicKey: string,
  field: string,
): ActionFailure | undefined {
  if (loadKey(get, publicKey) !== undefined) {
    return failure(IDENTITY_RESULTS.key_in_use, `${field} is already registered`);
  }
  return undefined;
}

export function findActive(get: StateRead, id: string): Organization | ActionFailure {
  const organization = loadOrganization(get, id);
  if (organization === undefined) {
    return failure(IDENTITY_RESULTS.organization_not_found, `no organization ${id}`);
  }
  if (!organization.active) {
    return failure(IDENTITY_RESULTS.organization_inactive, `organization ${id} was removed`);
  }
  return organization;
}

/** Applies a change that checkChange accepted in this same state. */
export function applyChange(context: ActionContext, change: ProposalChange): void {
  switch (change.type) {
    case 'admit_organization':
      admit(context, change.organization);
      return;
    case 'remove_organization':
      remove(context, change.organization);
      return;
    case 'set_validator':
      setValidator(context, change.organization, change.validatorKey);
      return;
  }
}

function admit(context: ActionContext, organization: NewOrganization): void {
  // Saved without its validator first: setValidator registers the key and schedules it.
  saveOrganization(context, { ...organization, validatorKey: null, active: true });
  saveKey(context, organization.adminKey, {
    kind: 'admin',
    organization: organization.id,
    active: true,
  });
  const summary = loadSummary(context.get);
  saveSummary(context, { ...summary, organizationsActive: summary.organizationsActive + 1 });
  if (organization.validatorKey !== null) {
    setValidator(context, organization.id, organization.validatorKey);
  }
  context.emit('organization_admitted', { organization: organization.id, role: organization.role });
}

function remove(context: ActionContext, id: string): void {
  const organization = loadOrganization(context.get, id)!;
  if (organization.validatorKey !== null) {
    setValidator(context, id, null);
  }
  retireKey(context, organization.adminKey);
  const current = loadOrganization(context.get, id)!;
  saveOrganization(context, { ...current, active: false });
  const summary = loadSummary(context.get);
  saveSummary(context, { ...summary, organizationsActive: summary.organizationsActive - 1 });
  context.emit('organization_removed', { organization: id });
}

function setValidator(context: ActionContext, id: string, validatorKey: string | null): void {
  const organization = loadOrganization(context.get, id)!;
  if (organization.validatorKey !== null) {
    retireKey(context, organization.validatorKey);
  }
  if (validatorKey !== null) {
    saveKey(context, validatorKey, { kind: 'validator', organization: id, active: true });
  }
  saveOrganization(context, { ...organization, validatorKey });
  const validators = withValidator(loadValidatorSet(context.get).validators, {
    organization: id,
    publicKey: validatorKey,
    power: VALIDATOR_POWER,
  });
  scheduleValidators(context, validators);
  context.emit('validator_changed', {
    organization: id,
    validatorKey: validatorKey ?? '',
    effectiveHeight: context.height + VALIDATOR_CHANGE_DELAY_BLOCKS,
  });
}
