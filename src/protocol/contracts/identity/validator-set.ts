/**
 * The validator set and its scheduled changes. A change passed at height h takes effect
 * at h + VALIDATOR_CHANGE_DELAY_BLOCKS; until then `previous` still decides blocks, so the
 * set that certified block h can be read from the state after h.
 */
import { assert } from '../../core/assert.js';
import type { JsonValue } from '../../core/canonical.js';
import {
  type ActionContext,
  type ActionFailure,
  failure,
  type StateRead,
} from '../engine/module.js';
import type { Validator } from '../engine/types.js';
import { VALIDATORS_KEY } from './keys.js';
import { IDENTITY_RESULTS } from './results.js';
import { VALIDATOR_CHANGE_DELAY_BLOCKS, type ValidatorSet } from './types.js';

export function loadValidatorSet(get: StateRead): ValidatorSet {
  const value = get(VALIDATORS_KEY);
  assert(value !== undefined, 'identity: no validator set (no genesis?)');
  return value as unknown as ValidatorSet;
}

/**
 * The set that decides block `height`. Without a height: the set for the block after the
 * state's last one, in which every recorded change is in force (the delay is one block).
 */
export function validatorsAt(get: StateRead, height?: number): Validator[] {
  const set = loadValidatorSet(get);
  const chosen =
    height !== undefined && height < set.effectiveHeight ? set.previous : set.validators;
  return chosen.map((validator) => ({ ...validator }));
}

/** Sorted by public key: the order every validator derives the same proposer rotation from. */
export function sortValidators(validators: Validator[]): Validator[] {
  return validators.sort((a, b) =>
    a.publicKey < b.publicKey ? -1 : a.publicKey > b.publicKey ? 1 : 0,
  );
}

/** The set after replacing the organization's validator (null removes it). */
export function withValidator(
  validators: readonly Validator[],
  change: { organization: string; publicKey: string | null; power: number },
): Validator[] {
  const next = validators.filter((validator) => validator.organization !== change.organization);
  if (change.publicKey !== null) {
    next.push({
      publicKey: change.publicKey,
      organization: change.organization,
      power: change.power,
    });
  }
  return sortValidators(next);
}

/** [R-IDENTITY-7] The validator set is never empty: a chain without validators stops forever. */
export function checkNotEmpty(validators: readonly Validator[]): ActionFailure | undefined {
  if (validators.length === 0) {
    return failure(IDENTITY_RESULTS.validator_set_empty, 'the change would leave no validators');
  }
  return undefined;
}

/** Schedules `validators` to decide blocks from the next height on. */
export function scheduleValidators(context: ActionContext, validators: Validator[]): void {
  assert(validators.length > 0, 'identity: scheduling an empty validator set');
  const current = loadValidatorSet(context.get);
  const effectiveHeight = context.height + VALIDATOR_CHANGE_DELAY_BLOCKS;
  // A second change in the same block keeps the set that was in force before the first.
  const previous =
    current.effectiveHeight <= context.height ? current.validators : current.previous;
  const next: ValidatorSet = { validators, effectiveHeight, previous };
  context.set(VALIDATORS_KEY, next as unknown as JsonValue);
}
