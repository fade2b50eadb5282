/**
 * The simulator's application: a deterministic stand-in for the contract engine behind the
 * same seam (build a block, validate one, apply one, name the validators of a height).
 * Blocks carry transaction ids from the workload; the state root is a hash chain over the
 * applied ids, in the block's own header as in docs/adr/0002. Governance transactions
 * (`gov:add:<node>:<voter>`, `gov:remove:<node>:<voter>`) change the validator set once
 * voters with more than two thirds of the power agree; the change decides from h + 1.
 */
import type { Validator } from '../../protocol/contracts/engine/types.js';
import { toHex, utf8 } from '../../protocol/core/bytes.js';
import type { JsonValue } from '../../protocol/core/canonical.js';
import type { Crypto } from '../../protocol/core/crypto.js';
import { hashOf } from '../../protocol/core/hash.js';

export interface SimBlock {
  height: number;
  time: number;
  proposer: string;
  previousHash: string;
  transactions: string[];
  stateRoot: string;
  /** Set only by a Byzantine builder: honest validation must refuse the block. */
  invalid?: boolean;
}

export const GENESIS_HASH = '00'.repeat(32);
const TRANSACTION = /^(tx-\d+|gov:(add|remove):\d+:\d+)$/;

export function simBlockHash(crypto: Crypto, block: JsonValue): string {
  return hashOf(crypto, 'block', block);
}

export interface AppSnapshot {
  height: number;
  lastHash: string;
  lastTime: number;
  stateRoot: string;
}

export class SimApplication {
  height = 0;
  lastHash = GENESIS_HASH;
  lastTime = 0;
  stateRoot = GENESIS_HASH;
  readonly applied = new Set<string>();
  /** The set deciding each height; heights without an entry use the latest before them. */
  private readonly sets = new Map<number, Validator[]>();
  private readonly votes = new Map<string, Set<number>>();

  constructor(
    private readonly crypto: Crypto,
    /** Public key of each node index (the directory the governance ids refer to). */
    private readonly directory: readonly string[],
    genesis: readonly Validator[],
  ) {
    this.sets.set(
      1,
      genesis.map((validator) => ({ ...validator })),
    );
  }

  validatorsFor(height: number): Validator[] {
    for (let h = height; h >= 1; h--) {
      const set = this.sets.get(h);
      if (set !== undefined) {
        return set.map((validator) => ({ ...validator }));
      }
    }
    throw new Error('sim app: no validator set');
  }

  nextRoot(transactions: readonly string[]): string {
    const text = `${this.stateRoot}|${transactions.join(',')}`;
    return toHex(this.crypto.sha256(utf8(text)));
  }

  build(params: { proposer: string; timeMs: number; pending: readonly string[] }): SimBlock {
    const transactions = params.pending.filter((id) => !this.applied.has(id));
    return {
      height: this.height + 1,
      time: Math.max(this.lastTime + 1, Math.floor(params.timeMs)),
      proposer: params.proposer,
      previousHash: this.lastHash,
      transactions,
      stateRoot: this.nextRoot(transactions),
    };
  }

  /** valid(v) for the next height; a reason when not. */
  validate(value: JsonValue): string | undefined {
    const block = value as unknown as SimBlock;
    if (typeof block !== 'object' || block === null || block.invalid === true) {
      return 'marked invalid';
    }
    if (block.height !== this.height + 1 || block.previousHash !== this.lastHash) {
      return 'does not extend our chain';
    }
    if (!Number.isSafeInteger(block.time) || block.time <= this.lastTime) {
      return 'time does not increase';
    }
    if (!Array.isArray(block.transactions)) {
      return 'no transaction list';
    }
    const seen = new Set<string>();
    for (const id of block.transactions) {
      if (typeof id !== 'string' || !TRANSACTION.test(id)) {
        return `malformed transaction ${String(id)}`;
      }
      if (seen.has(id) || this.applied.has(id)) {
        return `transaction ${id} applied twice`;
      }
      seen.add(id);
    }
    return block.stateRoot === this.nextRoot(block.transactions) ? undefined : 'wrong state root';
  }

  apply(block: SimBlock, hash: string): void {
    if (block.height !== this.height + 1) {
      throw new Error(`sim app: applying ${block.height} on top of ${this.height}`);
    }
    const current = this.validatorsFor(block.height);
    let next = current;
    for (const id of block.transactions) {
      this.applied.add(id);
      next = this.governance(id, current, next);
    }
    this.stateRoot = block.stateRoot;
    this.height = block.height;
    this.lastHash = hash;
    this.lastTime = block.time;
    if (next !== current) {
      this.sets.set(block.height + 1, next);
    }
  }

  private governance(id: string, current: Validator[], next: Validator[]): Validator[] {
    const match = /^gov:(add|remove):(\d+):(\d+)$/.exec(id);
    if (match === null) {
      return next;
    }
    const [, op, target, voter] = match;
    const voterKey = this.directory[Number(voter)];
    const targetKey = this.directory[Number(target)];
    if (targetKey === undefined || !current.some((v) => v.publicKey === voterKey)) {
      return next;
    }
    const proposal = `${op}:${target}`;
    const voters = this.votes.get(proposal) ?? new Set<number>();
    voters.add(Number(voter));
    this.votes.set(proposal, voters);
    const total = current.reduce((sum, v) => sum + v.power, 0);
    const power = current
      .filter((v) => [...voters].some((index) => this.directory[index] === v.publicKey))
      .reduce((sum, v) => sum + v.power, 0);
    if (3 * power <= 2 * total) {
      return next;
    }
    this.votes.delete(proposal);
    const without = next.filter((v) => v.publicKey !== targetKey);
    if (op === 'remove') {
      return without.length > 0 ? without : next;
    }
    return [...without, { publicKey: targetKey, organization: `node-${target}`, power: 10 }];
  }
}
