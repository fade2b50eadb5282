/**
 * The contract engine: executes a block's transactions in order over world state and
 * answers queries. Deterministic by construction: no clock, no randomness, no floating
 * point, and every failure is a receipt with a stable code. See docs/spec/result-codes.md
 * for the order of checks and src/protocol/contracts/README.md for the state layout.
 */
import { assert } from '../../core/assert.js';
import { canonicalBytes, type JsonValue } from '../../core/canonical.js';
import type { Crypto } from '../../core/crypto.js';
import type { Hash } from '../../core/hash.js';
import type { ChainEvent, EventAttributes, Receipt } from '../../ledger/block.js';
import type { Transaction } from '../../ledger/transaction.js';
import { BlockState, deepFreeze, TransactionBuffer } from './block-state.js';
import { engineGenesisWrites } from './genesis-writes.js';
import { ENGINE_PARAMS_KEY, nonceKey } from './keys.js';
import type {
  ActionContext,
  ActionDefinition,
  ModuleDefinition,
  SignerDirectory,
  StateRead,
} from './module.js';
import { engineQuery, moduleQuery } from './queries.js';
import { checkRegistry, ENGINE_MODULE_NAME, type Registry } from './registry.js';
import { ENGINE_RESULTS, type ResultCode } from './result-codes.js';
import type {
  AdmissionCheck,
  BlockContext,
  BlockExecution,
  ContractEngine,
  ExecutedTransaction,
  ModuleDescription,
  StateReader,
  Validator,
} from './types.js';

export const ENGINE_LIMITS = {
  /** Distinct state keys one transaction may write (the nonce is not counted). */
  writesPerTransactionMax: 64,
  /** Canonical JSON size of one state value. */
  valueSizeBytesMax: 16 * 1024,
  eventsPerTransactionMax: 32,
  keyLengthMax: 256,
} as const;

export interface EngineOptions {
  modules: readonly ModuleDefinition[];
  /** Which keys may sign transactions (owned by the identity module). */
  signers: SignerDirectory;
  /** The validator set for `height` (default: the height after the state's last block). */
  validators(get: StateRead, height?: number): Validator[];
}

/** The next nonce a signer must use; 0 before its first transaction. */
export function readNonce(get: StateRead, signer: string): number {
  const value = get(nonceKey(signer));
  if (value === undefined) {
    return 0;
  }
  assert(typeof value === 'number', 'engine: nonce must be a number');
  return value;
}

type Rejection = { result: ResultCode; message: string };

export function createContractEngine(crypto: Crypto, options: EngineOptions): ContractEngine {
  const registry = checkRegistry(options.modules);
  const engine: ContractEngine = {
    genesisWrites: (genesis) => engineGenesisWrites(crypto, options.modules, genesis),
    checkAdmission: (reader, transaction, pendingNonce) =>
      checkAdmission({ registry, options, reader, transaction, pendingNonce }),
    executeBlock(reader, context, transactions) {
      const state = new BlockState(reader);
      const receipts: Receipt[] = [];
      for (const executed of transactions) {
        receipts.push(executeTransaction({ registry, options, state, context, executed }));
      }
      return { receipts, writes: state.writes() } satisfies BlockExecution;
    },
    validators: (reader, height) => options.validators(readerGet(reader), height),
    query(reader, module, name, params) {
      const get = readerGet(reader);
      if (module === ENGINE_MODULE_NAME) {
        return engineQuery(get, name, params);
      }
      return moduleQuery(registry, get, { module, name, params });
    },
    describe: () => describeModules(options.modules),
  };
  return engine;
}

function readerGet(reader: StateReader): StateRead {
  const state = new BlockState(reader);
  return (key) => state.get(key);
}

/** Checks, in order, that need no module code: chain, expiry, signer, nonce. */
function preflight(
  get: StateRead,
  options: EngineOptions,
  check: { transaction: Transaction; chainId: string; height: number; expectedNonce?: number },
): Rejection | undefined {
  const { transaction } = check;
  if (transaction.chainId !== check.chainId) {
    return reject('wrong_chain', `transaction is for chain "${transaction.chainId}"`);
  }
  if (transaction.expiresAt !== undefined && transaction.expiresAt < check.height) {
    return reject('expired', `transaction expired at height ${transaction.expiresAt}`);
  }
  const status = options.signers(get, transaction.signer);
  if (status === 'unknown' || status === 'not_a_signer') {
    return reject('unknown_signer', `key ${transaction.signer} may not sign transactions`);
  }
  if (status === 'inactive') {
    return reject('inactive_signer', `key ${transaction.signer} is no longer active`);
  }
  const expected = check.expectedNonce ?? readNonce(get, transaction.signer);
  if (transaction.nonce !== expected) {
    return reject('bad_nonce', `nonce is ${transaction.nonce}; the next nonce is ${expected}`);
  }
  return undefined;
}

function reject(name: keyof typeof ENGINE_RESULTS, message: string): Rejection {
  return { result: ENGINE_RESULTS[name], message };
}

function findAction(
  registry: Registry,
  transaction: Transaction,
): Rejection | ActionDefinition<unknown> {
  const actions = registry.actions.get(transaction.module);
  if (actions === undefined) {
    return reject('unknown_module', `no module "${transaction.module}"`);
  }
  const action = actions.get(transaction.action);
  if (action === undefined) {
    const message = `module "${transaction.module}" has no action "${transaction.action}"`;
    return reject('unknown_action', message);
  }
  return action;
}

function checkAdmission(input: {
  registry: Registry;
  options: EngineOptions;
  reader: StateReader;
  transaction: Transaction;
  pendingNonce: number | undefined;
}): AdmissionCheck {
  const { transaction } = input;
  const get = readerGet(input.reader);
  const params = get(ENGINE_PARAMS_KEY) as { chainId?: string } | undefined;
  assert(params?.chainId !== undefined, 'engine: state has no engine/params (no genesis?)');
  const committed = readNonce(get, transaction.signer);
  const expected = Math.max(committed, input.pendingNonce ?? committed);
  // Expiry needs the height of the block that will include it; the mempool checks it.
  const rejection = preflight(get, input.options, {
    transaction,
    chainId: params.chainId,
    height: 0,
    expectedNonce: expected,
  });
  const found = rejection ?? findAction(input.registry, transaction);
  if ('result' in found) {
    return { ok: false, code: found.result.name, message: found.message };
  }
  const parsed = found.args.parse(transaction.args, '');
  if (!parsed.ok) {
    return { ok: false, code: ENGINE_RESULTS.invalid_arguments.name, message: parsed.message };
  }
  return { ok: true, nextNonce: transaction.nonce + 1 };
}

function executeTransaction(input: {
  registry: Registry;
  options: EngineOptions;
  state: BlockState;
  context: BlockContext;
  executed: ExecutedTransaction;
}): Receipt {
  const { state, context } = input;
  const { transaction, hash } = input.executed;
  const get: StateRead = (key) => state.get(key);
  const rejection = preflight(get, input.options, {
    transaction,
    chainId: context.chainId,
    height: context.height,
  });
  if (rejection !== undefined) {
    return failedReceipt(hash, rejection);
  }
  // [R-NONCE-2] From here the nonce is spent whatever the outcome: the one state change a
  // failed transaction makes, so that a signed transaction can never be replayed.
  state.put(nonceKey(transaction.signer), transaction.nonce + 1, undefined);
  const action = findAction(input.registry, transaction);
  if ('result' in action) {
    return failedReceipt(hash, action);
  }
  const parsed = action.args.parse(transaction.args, '');
  if (!parsed.ok) {
    return failedReceipt(hash, reject('invalid_arguments', parsed.message));
  }
  const run = new TransactionRun({ state, context, transaction, hash });
  const outcome = action.execute(run, parsed.value);
  const rejected = run.violation ?? (outcome.ok ? undefined : outcome);
  if (rejected !== undefined) {
    run.buffer.discard();
    return failedReceipt(hash, rejected);
  }
  run.buffer.commit();
  return { transactionHash: hash, code: 0, name: 'ok', message: '', events: run.events };
}

function failedReceipt(hash: Hash, rejection: Rejection): Receipt {
  const { code, name } = rejection.result;
  assert(code !== 0, 'engine: a failed receipt cannot carry code 0');
  return { transactionHash: hash, code, name, message: rejection.message, events: [] };
}

/** The ActionContext of one transaction: reads through its buffer, enforces the limits. */
class TransactionRun implements ActionContext {
  readonly signer: string;
  readonly height: number;
  readonly time: number;
  readonly transactionHash: Hash;
  readonly buffer: TransactionBuffer;
  readonly events: ChainEvent[] = [];
  readonly get: StateRead;
  violation: Rejection | undefined = undefined;
  private readonly keyPrefix: string;
  private readonly eventPrefix: string;

  constructor(input: {
    state: BlockState;
    context: BlockContext;
    transaction: Transaction;
    hash: Hash;
  }) {
    this.signer = input.transaction.signer;
    this.height = input.context.height;
    this.time = input.context.time;
    this.transactionHash = input.hash;
    const buffer = new TransactionBuffer(input.state);
    this.buffer = buffer;
    this.get = (key) => buffer.get(key);
    this.keyPrefix = `${input.transaction.module}/`;
    this.eventPrefix = `${input.transaction.module}.`;
  }

  set(key: string, value: JsonValue): void {
    if (!this.admitWrite(key)) {
      return;
    }
    const bytes = canonicalBytes(value);
    if (bytes.length > ENGINE_LIMITS.valueSizeBytesMax) {
      this.violation ??= reject(
        'value_too_large',
        `value of ${bytes.length} bytes exceeds ${ENGINE_LIMITS.valueSizeBytesMax}`,
      );
      return;
    }
    this.buffer.set(key, deepFreeze(value), bytes);
  }

  delete(key: string): void {
    if (this.admitWrite(key)) {
      this.buffer.delete(key);
    }
  }

  emit(type: string, attributes: EventAttributes): void {
    if (this.events.length >= ENGINE_LIMITS.eventsPerTransactionMax) {
      this.violation ??= reject(
        'too_many_events',
        `more than ${ENGINE_LIMITS.eventsPerTransactionMax} events`,
      );
      return;
    }
    this.events.push({ type: this.eventPrefix + type, attributes });
  }

  private admitWrite(key: string): boolean {
    // A module writes only under its own prefix: anything else is a bug in the module.
    assert(key.startsWith(this.keyPrefix), `engine: key "${key}" outside "${this.keyPrefix}"`);
    assert(key.length <= ENGINE_LIMITS.keyLengthMax, 'engine: state key too long');
    if (this.violation !== undefined) {
      return false;
    }
    if (!this.buffer.has(key) && this.buffer.size >= ENGINE_LIMITS.writesPerTransactionMax) {
      this.violation = reject(
        'too_many_writes',
        `more than ${ENGINE_LIMITS.writesPerTransactionMax} state writes`,
      );
      return false;
    }
    return true;
  }
}

function describeModules(modules: readonly ModuleDefinition[]): ModuleDescription[] {
  const described: ModuleDescription[] = [
    { name: ENGINE_MODULE_NAME, actions: [], queries: [{ name: 'nonce', params: ['signer'] }] },
  ];
  for (const module of modules) {
    described.push({
      name: module.name,
      actions: module.actions.map((action) => action.name),
      queries: module.queries.map((query) => ({ name: query.name, params: [...query.params] })),
    });
  }
  return described;
}
