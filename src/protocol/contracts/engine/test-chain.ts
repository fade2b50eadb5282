/**
 * A single-node chain for tests and examples: genesis, then blocks of signed transactions
 * executed by the engine over a MemoryState. Signers are derived from fixed seeds, so a
 * run is the same every time.
 */
import { fromUtf8, toHex } from '../../core/bytes.js';
import type { JsonObject, JsonValue } from '../../core/canonical.js';
import { type Crypto, type Signer, seedSigner } from '../../core/crypto.js';
import { createDemoGenesis } from '../../genesis/demo.js';
import type { Genesis } from '../../genesis/types.js';
import type { Receipt } from '../../ledger/block.js';
import { signTransaction, type Transaction, transactionHash } from '../../ledger/transaction.js';
import { createEngine } from './create-engine.js';
import { nonceKey } from './keys.js';
import { MemoryState } from './memory-state.js';
import type { BlockExecution, ContractEngine } from './types.js';

/** A signer from a name: the seed is the name's bytes, padded. Only for tests. */
export function namedSigner(name: string): Signer {
  const seed = new Uint8Array(32);
  for (let i = 0; i < name.length && i < 32; i++) {
    seed[i] = name.charCodeAt(i) & 0xff;
  }
  return seedSigner(seed);
}

export function publicKeyHex(signer: Signer): string {
  return toHex(signer.publicKey);
}

export class TestChain {
  readonly state = new MemoryState();
  readonly engine: ContractEngine;
  height = 0;
  time: number;

  constructor(
    private readonly crypto: Crypto,
    readonly genesis: Genesis,
    engine?: ContractEngine,
  ) {
    this.engine = engine ?? createEngine(crypto);
    this.state.apply(this.engine.genesisWrites(genesis));
    this.time = genesis.genesisTime;
  }

  /** The signer's next nonce in committed state. */
  nonce(signer: Signer): number {
    const bytes = this.state.get(nonceKey(publicKeyHex(signer)));
    return bytes === undefined ? 0 : Number(fromUtf8(bytes));
  }

  transaction(
    signer: Signer,
    call: { module?: string; action: string; args: JsonObject; nonce?: number; expiresAt?: number },
  ): Transaction {
    return signTransaction(signer, {
      chainId: this.genesis.chainId,
      signer: publicKeyHex(signer),
      nonce: call.nonce ?? this.nonce(signer),
      module: call.module ?? 'identity',
      action: call.action,
      args: call.args,
      ...(call.expiresAt === undefined ? {} : { expiresAt: call.expiresAt }),
    });
  }

  /** Executes one block and commits its writes. */
  block(transactions: readonly Transaction[]): BlockExecution {
    this.height += 1;
    this.time += 1000;
    const execution = this.engine.executeBlock(
      this.state,
      { chainId: this.genesis.chainId, height: this.height, time: this.time, proposer: '' },
      transactions.map((transaction) => ({
        transaction,
        hash: transactionHash(this.crypto, transaction),
      })),
    );
    this.state.apply(execution.writes);
    return execution;
  }

  /** Signs with the committed nonce and executes alone in a block. */
  run(signer: Signer, call: { module?: string; action: string; args: JsonObject }): Receipt {
    const execution = this.block([this.transaction(signer, call)]);
    return execution.receipts[0]!;
  }

  query(module: string, name: string, params: Record<string, string>): JsonValue | null {
    const answer = this.engine.query(this.state, module, name, params);
    if ('error' in answer) {
      throw new Error(`query failed: ${answer.message}`);
    }
    return answer.value;
  }

  /** Raw query answer, for checking errors. */
  queryRaw(
    module: string,
    name: string,
    params: Record<string, string>,
  ): ReturnType<ContractEngine['query']> {
    return this.engine.query(this.state, module, name, params);
  }
}

const DEMO_ROLES = ['hospital', 'clinic', 'payer', 'pharmacy'] as const;
type DemoRole = (typeof DEMO_ROLES)[number];

/** The demo network with named signers: admin-<role> and validator-<role>. */
export function demoTestNetwork(): {
  genesis: Genesis;
  admins: Record<DemoRole, Signer>;
  validators: Record<DemoRole, Signer>;
} {
  const admins = {} as Record<DemoRole, Signer>;
  const validators = {} as Record<DemoRole, Signer>;
  for (const role of DEMO_ROLES) {
    admins[role] = namedSigner(`admin-${role}`);
    validators[role] = namedSigner(`validator-${role}`);
  }
  const keys = (role: DemoRole) => ({
    adminKey: publicKeyHex(admins[role]),
    validatorKey: publicKeyHex(validators[role]),
  });
  const genesis = createDemoGenesis({
    chainId: 'medchain-test',
    genesisTime: 1_700_000_000_000,
    keys: {
      hospital: keys('hospital'),
      clinic: keys('clinic'),
      payer: keys('payer'),
      pharmacy: keys('pharmacy'),
    },
  });
  return { genesis, admins, validators };
}
