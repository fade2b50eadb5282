/** Contract engine: checks before execution, nonces, isolation of failures, limits, determinism. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toHex } from '../../core/bytes.js';
import { pureCrypto } from '../../core/crypto.js';
import type { Receipt } from '../../ledger/block.js';
import { transactionHash } from '../../ledger/transaction.js';
import { identityModule } from '../identity/module.js';
import { signerStatus } from '../identity/state.js';
import { validatorsAt } from '../identity/validator-set.js';
import { integer, object } from './args.js';
import { createContractEngine, ENGINE_LIMITS } from './engine.js';
import { type ModuleDefinition, OK } from './module.js';
import { ENGINE_RESULTS } from './result-codes.js';
import { demoTestNetwork, namedSigner, publicKeyHex, TestChain } from './test-chain.js';

const demoGenesis = () => demoTestNetwork().genesis;

const admin = namedSigner('admin-hospital');
const stranger = namedSigner('stranger');

/** A module that writes `count` keys of `size` characters, then fails when told to. */
const probeModule: ModuleDefinition = {
  name: 'probe',
  codeBase: 900,
  results: [{ code: 900, name: 'probe.refused' }],
  actions: [
    {
      name: 'write',
      args: object({
        count: integer({ min: 0, max: 1000 }),
        size: integer({ min: 0, max: 100_000 }),
        events: integer({ min: 0, max: 100 }),
        refuse: integer({ min: 0, max: 1 }),
      }),
      execute(context, args: { count: number; size: number; events: number; refuse: number }) {
        for (let i = 0; i < args.count; i++) {
          context.set(`probe/${i}`, 'x'.repeat(args.size));
        }
        for (let i = 0; i < args.events; i++) {
          context.emit('probed', { index: i });
        }
        if (args.refuse === 1) {
          return { ok: false, result: { code: 900, name: 'probe.refused' }, message: 'told to' };
        }
        return OK;
      },
    },
  ],
  queries: [],
  genesis: () => [],
};

function probeChain(): TestChain {
  const engine = createContractEngine(pureCrypto, {
    modules: [identityModule, probeModule],
    signers: signerStatus,
    validators: validatorsAt,
  });
  return new TestChain(pureCrypto, demoGenesis(), engine);
}

function probe(
  chain: TestChain,
  args: { count: number; size?: number; events?: number; refuse?: number },
): Receipt {
  return chain.run(admin, {
    module: 'probe',
    action: 'write',
    args: { size: 1, events: 0, refuse: 0, ...args },
  });
}

function stateWithoutNonces(chain: TestChain): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of chain.state.snapshot()) {
    if (!key.startsWith('engine/nonce/')) {
      out.set(key, toHex(value));
    }
  }
  return out;
}

describe('engine: failed transactions', () => {
  it('change no state but the nonce', () => {
    const chain = probeChain();
    const before = stateWithoutNonces(chain);
    const cases: [Parameters<typeof probe>[1], string][] = [
      [{ count: 3, refuse: 1 }, 'probe.refused'],
      [{ count: ENGINE_LIMITS.writesPerTransactionMax + 1 }, 'too_many_writes'],
      [{ count: 1, size: ENGINE_LIMITS.valueSizeBytesMax }, 'value_too_large'],
      [{ count: 1, events: ENGINE_LIMITS.eventsPerTransactionMax + 1 }, 'too_many_events'],
    ];
    for (const [index, [args, name]] of cases.entries()) {
      const receipt = probe(chain, args);
      assert.equal(receipt.name, name);
      assert.deepEqual(receipt.events, []);
      assert.equal(chain.nonce(admin), index + 1, 'the nonce is spent');
    }
    assert.deepEqual(stateWithoutNonces(chain), before);
    const ok = probe(chain, { count: ENGINE_LIMITS.writesPerTransactionMax, events: 2 });
    assert.equal(ok.name, 'ok');
    assert.equal(ok.events.length, 2);
    assert.equal(ok.events[0]?.type, 'probe.probed');
  });

  it('a later transaction in the same block does not see a failed one', () => {
    const chain = probeChain();
    const first = chain.transaction(admin, {
      module: 'probe',
      action: 'write',
      args: { count: 2, size: 1, events: 0, refuse: 1 },
    });
    const second = chain.transaction(admin, {
      module: 'probe',
      action: 'write',
      args: { count: 0, size: 1, events: 0, refuse: 0 },
      nonce: 1,
    });
    const execution = chain.block([first, second]);
    assert.deepEqual(
      execution.receipts.map((receipt) => receipt.name),
      ['probe.refused', 'ok'],
    );
    assert.deepEqual([...execution.writes.keys()], [`engine/nonce/${publicKeyHex(admin)}`]);
  });
});

describe('engine: nonces', () => {
  it('reject replayed, stale and future nonces without spending one', () => {
    const chain = new TestChain(pureCrypto, demoGenesis());
    const call = {
      action: 'rotateMemberKey',
      args: { member: 'nobody', encryptionKey: '00'.repeat(32) },
    };
    const first = chain.transaction(admin, call);
    assert.equal(chain.block([first]).receipts[0]?.name, 'identity.member_not_found');
    assert.equal(chain.nonce(admin), 1);
    const replay = chain.block([first]).receipts[0]!;
    assert.equal(replay.name, 'bad_nonce');
    assert.equal(replay.code, ENGINE_RESULTS.bad_nonce.code);
    const future = chain.block([chain.transaction(admin, { ...call, nonce: 5 })]).receipts[0]!;
    assert.equal(future.name, 'bad_nonce');
    assert.match(future.message, /next nonce is 1/);
    assert.equal(chain.nonce(admin), 1);
    // Two in one block: consecutive nonces both execute.
    const a = chain.transaction(admin, call);
    const b = chain.transaction(admin, { ...call, nonce: 2 });
    assert.deepEqual(
      chain.block([a, b]).receipts.map((receipt) => receipt.name),
      ['identity.member_not_found', 'identity.member_not_found'],
    );
    assert.equal(chain.nonce(admin), 3);
  });

  it('rejects unknown signers, expired transactions and other chains first', () => {
    const chain = new TestChain(pureCrypto, demoGenesis());
    const call = { action: 'rotateAdminKey', args: { adminKey: '11'.repeat(32) } };
    assert.equal(
      chain.block([chain.transaction(stranger, call)]).receipts[0]?.name,
      'unknown_signer',
    );
    const expired = chain.transaction(admin, { ...call, expiresAt: 0 });
    assert.equal(chain.block([expired]).receipts[0]?.name, 'expired');
    const atLimit = chain.transaction(admin, { ...call, expiresAt: chain.height + 1 });
    assert.equal(chain.block([atLimit]).receipts[0]?.name, 'ok');
    const other = { ...chain.transaction(namedSigner('admin-clinic'), call), chainId: 'other' };
    assert.equal(chain.block([other]).receipts[0]?.name, 'wrong_chain');
    assert.equal(chain.nonce(namedSigner('admin-clinic')), 0);
  });

  it('spends the nonce on unknown modules, actions and invalid arguments', () => {
    const chain = new TestChain(pureCrypto, demoGenesis());
    const names = [
      chain.run(admin, { module: 'billing', action: 'pay', args: {} }),
      chain.run(admin, { action: 'fly', args: {} }),
      chain.run(admin, { action: 'vote', args: { proposal: 'one', approve: true } }),
    ].map((receipt) => receipt.name);
    assert.deepEqual(names, ['unknown_module', 'unknown_action', 'invalid_arguments']);
    assert.equal(chain.nonce(admin), 3);
  });
});

describe('engine: checkAdmission', () => {
  it('checks signer, nonce, action and arguments without changing state', () => {
    const chain = new TestChain(pureCrypto, demoGenesis());
    const before = chain.state.snapshot();
    const call = { action: 'rotateAdminKey', args: { adminKey: '11'.repeat(32) } };
    const check = (
      transaction: Parameters<typeof chain.engine.checkAdmission>[1],
      pending?: number,
    ) => chain.engine.checkAdmission(chain.state, transaction, pending);
    assert.deepEqual(check(chain.transaction(admin, call)), { ok: true, nextNonce: 1 });
    assert.deepEqual(check(chain.transaction(admin, { ...call, nonce: 1 }), 1), {
      ok: true,
      nextNonce: 2,
    });
    const stale = check(chain.transaction(admin, call), 1);
    assert.equal(stale.ok ? '' : stale.code, 'bad_nonce');
    const unknown = check(chain.transaction(stranger, call));
    assert.equal(unknown.ok ? '' : unknown.code, 'unknown_signer');
    const badArgs = check(
      chain.transaction(admin, { action: 'rotateAdminKey', args: { adminKey: 1 } }),
    );
    assert.equal(badArgs.ok ? '' : badArgs.code, 'invalid_arguments');
    const badAction = check(chain.transaction(admin, { action: 'nope', args: {} }));
    assert.equal(badAction.ok ? '' : badAction.code, 'unknown_action');
    const wrongChain = check({ ...chain.transaction(admin, call), chainId: 'x' });
    assert.equal(wrongChain.ok ? '' : wrongChain.code, 'wrong_chain');
    assert.deepEqual(chain.state.snapshot(), before);
  });
});

describe('engine: determinism', () => {
  it('same state and transactions give identical receipts and writes, byte for byte', () => {
    const run = () => {
      const chain = new TestChain(pureCrypto, demoGenesis());
      const doctor = namedSigner('doctor');
      const transactions = [
        chain.transaction(admin, {
          action: 'registerMember',
          args: {
            id: 'dr-a',
            kind: 'practitioner',
            signingKey: publicKeyHex(doctor),
            encryptionKey: '22'.repeat(32),
          },
        }),
        chain.transaction(admin, {
          action: 'proposeRemoval',
          args: { organization: 'org-city-pharmacy' },
          nonce: 1,
        }),
        chain.transaction(stranger, { action: 'vote', args: { proposal: 1, approve: true } }),
      ];
      const execution = chain.block(transactions);
      return {
        receipts: JSON.stringify(execution.receipts),
        writes: [...execution.writes].map(([key, value]) => [
          key,
          value === null ? null : toHex(value),
        ]),
        hashes: transactions.map((transaction) => transactionHash(pureCrypto, transaction)),
      };
    };
    assert.deepEqual(run(), run());
  });

  it('emits writes in key order and values as canonical JSON', () => {
    const chain = new TestChain(pureCrypto, demoGenesis());
    const execution = chain.block([
      chain.transaction(admin, {
        action: 'proposeRemoval',
        args: { organization: 'org-city-pharmacy' },
      }),
    ]);
    const keys = [...execution.writes.keys()];
    assert.deepEqual(keys, [...keys].sort());
    const summary = execution.writes.get('identity/summary');
    assert.equal(new TextDecoder().decode(summary!), '{"organizationsActive":4,"proposalNext":2}');
  });
});

describe('engine: queries and description', () => {
  it('answers nonce and params queries and describes modules', () => {
    const chain = new TestChain(pureCrypto, demoGenesis());
    chain.run(admin, { action: 'fly', args: {} });
    assert.deepEqual(chain.queryRaw('engine', 'nonce', { signer: publicKeyHex(admin) }), {
      key: `engine/nonce/${publicKeyHex(admin)}`,
      value: 1,
    });
    const params = chain.query('engine', 'params', {}) as { chainId: string };
    assert.equal(params.chainId, 'medchain-test');
    assert.equal('error' in chain.queryRaw('engine', 'nonce', { signer: 'x' }), true);
    assert.equal('error' in chain.queryRaw('nope', 'x', {}), true);
    const described = chain.engine.describe();
    assert.deepEqual(
      described.map((module) => module.name),
      ['engine', 'identity', 'records', 'consent'],
    );
    assert.ok(described[1]?.actions.includes('registerMember'));
  });

  it('refuses a module registry that could fork', () => {
    const make = (modules: ModuleDefinition[]) => () =>
      createContractEngine(pureCrypto, {
        modules,
        signers: signerStatus,
        validators: validatorsAt,
      });
    assert.throws(make([identityModule, identityModule]), /declared twice/);
    const clash = {
      ...probeModule,
      codeBase: 100,
      results: [{ code: 100, name: 'probe.refused' }],
    };
    assert.throws(make([identityModule, clash]), /declared twice/);
    assert.throws(make([{ ...probeModule, name: 'engine' }]), /reserved/);
    assert.throws(make([{ ...probeModule, codeBase: 50 }]), /overlap/);
  });
});
