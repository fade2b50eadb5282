/**
 * Result codes: the stable outcome of every transaction, recorded in its receipt and
 * committed by the block's results root. They are consensus: a code's number and name are
 * never renumbered, reordered or reused. The registry is docs/spec/result-codes.md.
 *
 * Engine codes are 0-99; each module owns a range of 100 (identity 100-199, ...).
 */
export interface ResultCode {
  readonly code: number;
  /** Stable name: bare for engine codes ("bad_nonce"), "<module>.<name>" for modules. */
  readonly name: string;
}

/** Checks in the order the engine applies them, so a receipt names the first that failed. */
export const ENGINE_RESULTS = {
  ok: { code: 0, name: 'ok' },
  unknown_module: { code: 1, name: 'unknown_module' },
  unknown_action: { code: 2, name: 'unknown_action' },
  invalid_arguments: { code: 3, name: 'invalid_arguments' },
  unauthorized: { code: 4, name: 'unauthorized' },
  bad_nonce: { code: 5, name: 'bad_nonce' },
  expired: { code: 6, name: 'expired' },
  unknown_signer: { code: 7, name: 'unknown_signer' },
  too_many_writes: { code: 8, name: 'too_many_writes' },
  value_too_large: { code: 9, name: 'value_too_large' },
  inactive_signer: { code: 10, name: 'inactive_signer' },
  wrong_chain: { code: 11, name: 'wrong_chain' },
  too_many_events: { code: 12, name: 'too_many_events' },
} as const satisfies Record<string, ResultCode>;

export const ENGINE_CODE_MAX = 99;

/** A module's code range: [base, base + 99]. */
export function moduleCodeRange(base: number): { min: number; max: number } {
  return { min: base, max: base + 99 };
}
