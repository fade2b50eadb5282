/**
 * Voting power arithmetic and proposer selection. Thresholds are in power, not heads, and
 * in integers: "2f + 1" is more than two thirds of the total, "f + 1" more than one third.
 * The proposer of (height, round) depends only on those two numbers and the set, so every
 * correct validator derives the same one with no shared state.
 */
import type { Validator } from '../contracts/engine/types.js';
import { assert } from '../core/assert.js';
import type { Canary, ValidatorSet } from './types.js';

/** Longest proposer schedule computed exactly; beyond it powers are scaled down. */
const SCHEDULE_LENGTH_MAX = 4096;

export interface PowerTable {
  validators: readonly Validator[];
  /** Sorted by public key: the order every validator agrees on. */
  byKey: ReadonlyMap<string, number>;
  total: number;
  /** One entry per slot of the weighted round robin. */
  schedule: readonly string[];
  canary?: Canary;
}

export function powerTable(validators: ValidatorSet, canary?: Canary): PowerTable {
  assert(validators.length > 0, 'consensus: a validator set is never empty');
  const sorted = [...validators].sort((a, b) =>
    a.publicKey < b.publicKey ? -1 : a.publicKey > b.publicKey ? 1 : 0,
  );
  const byKey = new Map<string, number>();
  let total = 0;
  for (const validator of sorted) {
    assert(Number.isSafeInteger(validator.power), 'consensus: power is an integer');
    assert(validator.power > 0, 'consensus: power is positive');
    assert(!byKey.has(validator.publicKey), 'consensus: a validator appears once');
    byKey.set(validator.publicKey, validator.power);
    total += validator.power;
  }
  assert(Number.isSafeInteger(total), 'consensus: total power fits an integer');
  const table: PowerTable = { validators: sorted, byKey, total, schedule: schedule(sorted) };
  return canary === undefined ? table : { ...table, canary };
}

/** "2f + 1": more than two thirds of the total power. */
export function isQuorum(table: PowerTable, power: number): boolean {
  if (table.canary === 'quorum-one-third') {
    return 3 * power > table.total;
  }
  return 3 * power > 2 * table.total;
}

/** "f + 1": more than one third, so at least one correct validator is among them. */
export function isOneThird(table: PowerTable, power: number): boolean {
  return 3 * power > table.total;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * Smooth weighted round robin (each slot: every validator gains its weight, the richest
 * proposes and pays the total). Equal powers give plain round robin in key order; unequal
 * powers interleave instead of clumping.
 */
function schedule(sorted: readonly Validator[]): string[] {
  let divisor = 0;
  for (const validator of sorted) {
    divisor = gcd(validator.power, divisor);
  }
  let weights = sorted.map((validator) => validator.power / divisor);
  let length = weights.reduce((sum, weight) => sum + weight, 0);
  if (length > SCHEDULE_LENGTH_MAX) {
    // Deterministic scaling keeps every validator at least one slot.
    weights = weights.map((weight) => Math.max(1, Math.floor((weight * 1024) / length)));
    length = weights.reduce((sum, weight) => sum + weight, 0);
  }
  const current = weights.map(() => 0);
  const out: string[] = [];
  for (let slot = 0; slot < length; slot++) {
    let best = 0;
    for (let i = 0; i < weights.length; i++) {
      current[i]! += weights[i]!;
      if (current[i]! > current[best]!) {
        best = i;
      }
    }
    current[best]! -= length;
    out.push(sorted[best]!.publicKey);
  }
  return out;
}

/** proposer(h, r) of the paper. */
export function proposerOf(table: PowerTable, height: number, round: number): string {
  const slot = (height + round) % table.schedule.length;
  const key = table.schedule[slot];
  assert(key !== undefined, 'consensus: proposer slot in range');
  return key;
}
