/**
 * What a contract module declares to the engine: its actions (each with a strict argument
 * parser and an execute function), its queries, its result codes and its genesis state.
 * Modules never touch storage or the clock; they see only an ActionContext.
 */
import type { JsonValue } from '../../core/canonical.js';
import type { Hash } from '../../core/hash.js';
import type { Genesis } from '../../genesis/types.js';
import type { EventAttributes } from '../../ledger/block.js';
import type { RequiredParser } from './args.js';
import type { ResultCode } from './result-codes.js';

/** Read access to decoded state. Values are frozen: build a new value to change one. */
export type StateRead = (key: string) => JsonValue | undefined;

export interface ActionContext {
  /** Ed25519 public key (hex) that signed the transaction; the engine checked it is active. */
  readonly signer: string;
  readonly height: number;
  /** Consensus time of the block, milliseconds since the Unix epoch. */
  readonly time: number;
  readonly transactionHash: Hash;
  readonly get: StateRead;
  /**
   * Buffers a write. Past a limit the write is dropped and the transaction fails with
   * too_many_writes or value_too_large, whatever execute returns.
   */
  set(key: string, value: JsonValue): void;
  delete(key: string): void;
  /** Records an event; `type` is prefixed with the module name. Never put PHI here. */
  emit(type: string, attributes: EventAttributes): void;
}

export type ActionFailure = { ok: false; result: ResultCode; message: string };
export type ActionOutcome = { ok: true } | ActionFailure;

export const OK: ActionOutcome = { ok: true };

export function failure(result: ResultCode, message: string): ActionFailure {
  return { ok: false, result, message };
}

export interface ActionDefinition<A> {
  readonly name: string;
  readonly args: RequiredParser<A>;
  execute(context: ActionContext, args: A): ActionOutcome;
}

export type QueryOutcome =
  | { ok: true; key: string; value: JsonValue | null }
  | { ok: false; message: string };

export interface QueryDefinition {
  readonly name: string;
  readonly params: readonly string[];
  run(get: StateRead, params: Record<string, string>): QueryOutcome;
}

export interface ModuleDefinition {
  /** Also the prefix of every state key the module writes: "<name>/...". */
  readonly name: string;
  /** First code of the module's range of 100; its codes are base..base+99. */
  readonly codeBase: number;
  readonly results: readonly ResultCode[];
  readonly actions: readonly ActionDefinition<unknown>[];
  readonly queries: readonly QueryDefinition[];
  /** State the module holds at height 0, as (key, value) pairs. */
  genesis(genesis: Genesis): [string, JsonValue][];
}

/** Who a public key is, as far as signing transactions goes. */
export type SignerStatus = 'active' | 'inactive' | 'unknown' | 'not_a_signer';

/** The module that owns identities tells the engine which keys may sign. */
export type SignerDirectory = (get: StateRead, publicKey: string) => SignerStatus;
