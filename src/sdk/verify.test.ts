/**
 * Offline verification against a real node on memory storage: genuine answers verify, and
 * every single-field lie a node could tell is caught at the step that names it. A property
 * test flips random bits in the hex of whole answers: none may ever verify.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { toHex } from '../protocol/core/bytes.js';
import { pureCrypto } from '../protocol/core/crypto.js';
import { signTransaction, transactionHash } from '../protocol/ledger/transaction.js';
import { createMemoryNode, type MemoryNode, TEST_CHAIN_ID } from '../testing/memory-node.js';
import { registrationWorkload } from '../testing/workload.js';
import type { QueryResponse, TransactionProof } from './api-types.js';
import {
  genesisStateRoot,
  genesisValidators,
  type StateAnswer,
  type VerificationStep,
  verifyStateProof,
  verifyTransactionProof,
} from './verify.js';

// biome-ignore lint/suspicious/noExplicitAny: tampering reaches into arbitrary fields
type Loose = any;

let chain: MemoryNode;
let txProof: TransactionProof;
let present: QueryResponse;
let absent: QueryResponse;
let memberId = '';

async function getJson<T>(path: string): Promise<T> {
  const response = await chain.request(path);
  assert.equal(response.status, 200, `${path}: ${response.status}`);
  return (await response.json()) as T;
}

function derivePublicKey(seed: Uint8Array): Uint8Array {
  return chain.signer(toHex(seed)).publicKey;
}

/** Two blocks: 5 registrations, then 3; the proof is for a middle transaction of block 1. */
before(async () => {
  chain = createMemoryNode('verify');
  const admin = chain.admins.hospital;
  const base = { chainId: TEST_CHAIN_ID, admin, seed: 'v', derivePublicKey };
  const first = registrationWorkload({ ...base, startNonce: 0, count: 5 });
  const second = registrationWorkload({ ...base, startNonce: 5, count: 3, firstIndex: 5 });
  for (const transaction of first) {
    assert.ok(chain.node.submit(transaction).ok);
  }
  chain.node.produceBlock();
  chain.clock.advance(1000);
  for (const transaction of second) {
    assert.ok(chain.node.submit(transaction).ok);
  }
  chain.node.produceBlock();
  memberId = (first[2]!.args as { id: string }).id;
  const hash = transactionHash(pureCrypto, first[2]!);
  txProof = await getJson<TransactionProof>(`/v1/tx/${hash}/proof`);
  present = await getJson<QueryResponse>(`/v1/state/identity/member?id=${memberId}`);
  absent = await getJson<QueryResponse>('/v1/state/identity/member?id=nobody-here');
});

const options = () => ({ genesis: chain.genesis });

function tampered<T>(value: T, change: (copy: Loose) => void): T {
  const copy = structuredClone(value) as Loose;
  change(copy);
  return copy as T;
}

/** A different lowercase hex digit at position `at` (default: the middle). */
function flipHex(text: string, at = Math.floor(text.length / 2)): string {
  const digit = Number.parseInt(text[at]!, 16) ^ 1;
  return text.slice(0, at) + digit.toString(16) + text.slice(at + 1);
}

function expectFailure(
  result: { ok: boolean; step?: string },
  step: VerificationStep,
  label: string,
): void {
  assert.equal(result.ok, false, `${label}: should not verify`);
  assert.equal(result.step, step, `${label}: ${JSON.stringify(result)}`);
}

/** One field a lying node could change, and the step that must catch it. */
const intruder = () => toHex(chain.signer('intruder').publicKey);
const TRANSACTION_TAMPERING: [string, (proof: Loose) => void, VerificationStep][] = [
  ['transaction arg', (p) => (p.transaction.args.id = 'm-someone-else'), 'hash'],
  ['transaction nonce', (p) => (p.transaction.nonce += 1), 'hash'],
  ['unknown transaction field', (p) => (p.transaction.memo = 'x'), 'transaction'],
  [
    'transaction signature',
    (p) => (p.transaction.signature = flipHex(p.transaction.signature)),
    'signature',
  ],
  ['claimed hash', (p) => (p.hash = flipHex(p.hash)), 'hash'],
  ['receipt code', (p) => (p.receipt.code = 1), 'receiptProof'],
  ['receipt event', (p) => (p.receipt.events = []), 'receiptProof'],
  ['receipt hash', (p) => (p.receipt.transactionHash = flipHex(p.hash)), 'receipt'],
  ['header time', (p) => (p.header.time += 1), 'blockHash'],
  ['header state root', (p) => (p.header.stateRoot = flipHex(p.header.stateRoot)), 'blockHash'],
  ['header proposer', (p) => (p.header.proposer = intruder()), 'blockHash'],
  [
    'header previous hash',
    (p) => (p.header.previousHash = flipHex(p.header.previousHash)),
    'blockHash',
  ],
  [
    'header transactions root',
    (p) => (p.header.transactionsRoot = flipHex(p.header.transactionsRoot)),
    'transactionProof',
  ],
  [
    'header results root',
    (p) => (p.header.resultsRoot = flipHex(p.header.resultsRoot)),
    'receiptProof',
  ],
  ['header height', (p) => (p.header.height = 2), 'header'],
  ['header chain', (p) => (p.header.chainId = 'other-chain'), 'header'],
  ['claimed height', (p) => (p.height = 2), 'header'],
  ['block hash', (p) => (p.blockHash = flipHex(p.blockHash)), 'blockHash'],
  [
    'proof path element',
    (p) => (p.transactionProof.path[0] = flipHex(p.transactionProof.path[0])),
    'transactionProof',
  ],
  ['proof path dropped', (p) => p.transactionProof.path.pop(), 'transactionProof'],
  ['leaf index', (p) => (p.transactionProof.leafIndex = 3), 'transactionProof'],
  [
    'index and leaf index',
    (p) => {
      p.index = 3;
      p.transactionProof.leafIndex = 3;
      p.receiptProof.leafIndex = 3;
    },
    'transactionProof',
  ],
  ['tree size', (p) => (p.transactionProof.treeSize = 6), 'transactionProof'],
  [
    'receipt path element',
    (p) => (p.receiptProof.path[1] = flipHex(p.receiptProof.path[1])),
    'receiptProof',
  ],
  ['receipt leaf index', (p) => (p.receiptProof.leafIndex = 1), 'receiptProof'],
  [
    'commit signature',
    (p) => (p.commit.signatures[0].signature = flipHex(p.commit.signatures[0].signature)),
    'commit',
  ],
  ['commit validator swapped', (p) => (p.commit.signatures[0].validator = intruder()), 'commit'],
  ['commit without signatures', (p) => (p.commit.signatures = []), 'commit'],
  ['commit signature repeated', (p) => p.commit.signatures.push(p.commit.signatures[0]), 'commit'],
  ['commit round', (p) => (p.commit.round = 1), 'commit'],
  ['commit height', (p) => (p.commit.height = 2), 'commit'],
  ['commit block hash', (p) => (p.commit.blockHash = flipHex(p.commit.blockHash)), 'commit'],
];

describe('verifyTransactionProof', () => {
  it('verifies a genuine proof from genesis alone', () => {
    const result = verifyTransactionProof(txProof, options());
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.height, 1);
    assert.equal(result.index, 2);
    assert.equal(result.hash, txProof.hash);
    assert.deepEqual(result.commit, {
      round: 0,
      signers: 1,
      validators: 1,
      signedPower: 1,
      totalPower: 1,
    });
  });

  it('accepts a JSON round trip and the native crypto', () => {
    const copy = JSON.parse(JSON.stringify(txProof)) as TransactionProof;
    assert.ok(verifyTransactionProof(copy, { ...options(), crypto: chain.crypto }).ok);
  });

  for (const [label, change, step] of TRANSACTION_TAMPERING) {
    it(`rejects tampering: ${label}`, () => {
      expectFailure(verifyTransactionProof(tampered(txProof, change), options()), step, label);
    });
  }
});

describe('verifyTransactionProof: trusted validators and malformed input', () => {
  it('rejects a proof when the trusted validator set has another key', () => {
    const validators = genesisValidators(chain.genesis).map((validator) => ({
      ...validator,
      publicKey: toHex(chain.signer('intruder').publicKey),
    }));
    expectFailure(verifyTransactionProof(txProof, { ...options(), validators }), 'commit', 'set');
    const genesis = tampered(chain.genesis, (g) => {
      g.organizations[0].validatorKey = toHex(chain.signer('intruder').publicKey);
    });
    expectFailure(verifyTransactionProof(txProof, { genesis }), 'commit', 'genesis key');
  });

  it('rejects a certificate signed by too little of a larger trusted set', () => {
    const validators = [
      ...genesisValidators(chain.genesis),
      { publicKey: toHex(chain.signer('second').publicKey), organization: 'org-b', power: 1 },
    ];
    const result = verifyTransactionProof(txProof, { ...options(), validators });
    expectFailure(result, 'commit', 'one of two');
    assert.match((result as { reason: string }).reason, /not more than two thirds/);
  });

  it('rejects a validly signed transaction that is not the one in the block', () => {
    const forged = signTransaction(chain.admins.clinic, {
      ...txProof.transaction,
      signer: toHex(chain.admins.clinic.publicKey),
    });
    const result = verifyTransactionProof(
      tampered(txProof, (p) => {
        p.transaction = forged;
        p.hash = transactionHash(pureCrypto, forged);
      }),
      options(),
    );
    expectFailure(result, 'receipt', 'forged');
  });

  it('never throws on malformed input', () => {
    const inputs: unknown[] = [
      null,
      42,
      'proof',
      [],
      {},
      tampered(txProof, (p) => (p.transactionProof = null)),
      tampered(txProof, (p) => (p.transactionProof.path = 'ab')),
      tampered(txProof, (p) => (p.receiptProof.path = [1, 2])),
      tampered(txProof, (p) => (p.header = [])),
      tampered(txProof, (p) => (p.header.transactionsRoot = 7)),
      tampered(txProof, (p) => (p.commit = 'x')),
      tampered(txProof, (p) => (p.commit.signatures = [null])),
      tampered(txProof, (p) => (p.commit.signatures[0].signature = 12)),
      tampered(txProof, (p) => (p.receipt.events = [{ type: 'x', attributes: { n: 1n } }])),
      tampered(txProof, (p) => (p.index = -1)),
    ];
    for (const input of inputs) {
      const result = verifyTransactionProof(input as TransactionProof, options());
      assert.equal(result.ok, false, JSON.stringify(input, (_k, v) => String(v)).slice(0, 80));
    }
    const badGenesis = verifyTransactionProof(txProof, { genesis: {} as Loose });
    expectFailure(badGenesis, 'genesis', 'bad genesis');
    expectFailure(verifyTransactionProof(txProof, null as Loose), 'input', 'no options');
    const noSet = verifyTransactionProof(txProof, { ...options(), validators: [] });
    expectFailure(noSet, 'validators', 'empty set');
  });
});

const STATE_TAMPERING: [string, () => QueryResponse, (answer: Loose) => void, VerificationStep][] =
  [
    ['value field', () => present, (a) => (a.value.kind = 'device'), 'stateProof'],
    ['value removed', () => present, (a) => (a.value = null), 'stateProof'],
    ['key', () => present, (a) => (a.key = 'identity/member/nobody-here'), 'stateProof'],
    ['absent claims presence', () => absent, (a) => (a.value = present.value), 'stateProof'],
    ['absent claims empty object', () => absent, (a) => (a.value = {}), 'stateProof'],
    [
      'proof sibling',
      () => present,
      (a) => (a.proof.steps[0].siblings[0] = flipHex(a.proof.steps[0].siblings[0])),
      'stateProof',
    ],
    ['proof child mask', () => absent, (a) => (a.proof.steps[0].childMask ^= 1), 'stateProof'],
    ['proof step dropped', () => present, (a) => a.proof.steps.pop(), 'stateProof'],
    [
      'header state root',
      () => present,
      (a) => (a.header.stateRoot = flipHex(a.header.stateRoot)),
      'blockHash',
    ],
    ['header height', () => present, (a) => (a.header.height = 1), 'header'],
    ['answer height', () => absent, (a) => (a.height = 1), 'header'],
    ['block hash', () => absent, (a) => (a.blockHash = flipHex(a.blockHash)), 'blockHash'],
    [
      'commit signature',
      () => present,
      (a) => (a.commit.signatures[0].signature = flipHex(a.commit.signatures[0].signature)),
      'commit',
    ],
    ['commit missing', () => present, (a) => (a.commit = null), 'commit'],
    ['header missing', () => present, (a) => (a.header = null), 'header'],
  ];

describe('verifyStateProof', () => {
  it('verifies a present key and an absent key', () => {
    const found = verifyStateProof(present, options());
    assert.ok(found.ok, JSON.stringify(found));
    assert.equal(found.height, 2);
    assert.equal((found.value as { id: string }).id, memberId);
    assert.equal(found.stateRoot, present.header?.stateRoot);
    assert.equal(found.commit?.signers, 1);
    const missing = verifyStateProof(absent, options());
    assert.ok(missing.ok, JSON.stringify(missing));
    assert.equal(missing.value, null);
  });

  for (const [label, answer, change, step] of STATE_TAMPERING) {
    it(`rejects tampering: ${label}`, () => {
      expectFailure(verifyStateProof(tampered(answer(), change), options()), step, label);
    });
  }

  it('rejects a genuine proof of another key than the one asked about', () => {
    const expectedKey = `identity/member/${memberId}`;
    assert.ok(verifyStateProof(present, { ...options(), expectedKey }).ok);
    expectFailure(verifyStateProof(absent, { ...options(), expectedKey }), 'key', 'other key');
  });

  it('verifies a height-0 answer only against a trusted genesis state root', async () => {
    const fresh = createMemoryNode('genesis-only');
    const organization = fresh.genesis.organizations[0]!.id;
    const response = await fresh.request(`/v1/state/identity/organization?id=${organization}`);
    const answer = (await response.json()) as StateAnswer;
    assert.equal(answer.height, 0);
    assert.equal(answer.header, null);
    const trust = { genesis: fresh.genesis };
    expectFailure(verifyStateProof(answer, trust), 'header', 'no root');
    const root = genesisStateRoot(fresh.genesis);
    const result = verifyStateProof(answer, { ...trust, genesisStateRoot: root });
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.commit, null);
    const wrongRoot = { ...trust, genesisStateRoot: flipHex(root) };
    expectFailure(verifyStateProof(answer, wrongRoot), 'stateProof', 'wrong root');
    const lie = tampered(answer, (a) => (a.value.name = 'Another Name'));
    expectFailure(verifyStateProof(lie, { ...trust, genesisStateRoot: root }), 'stateProof', 'lie');
  });

  it('never throws on malformed input', () => {
    const inputs: unknown[] = [
      null,
      [],
      {},
      tampered(present, (a) => (a.proof = null)),
      tampered(present, (a) => (a.proof.steps = [{ childMask: 'x', siblings: [] }])),
      tampered(present, (a) => (a.value = undefined)),
      tampered(present, (a) => (a.value = { n: 1.5 })),
      tampered(present, (a) => (a.height = '2')),
    ];
    for (const input of inputs) {
      assert.equal(verifyStateProof(input as StateAnswer, options()).ok, false);
    }
  });
});

/** Every position of every hex string in a JSON value, as paths into it. */
function hexPositions(value: unknown, path: (string | number)[] = []): [Loose[], number][] {
  if (typeof value === 'string') {
    return /^[0-9a-f]+$/.test(value) ? [[path, value.length]] : [];
  }
  if (Array.isArray(value)) {
    return value.flatMap((item, index) => hexPositions(item, [...path, index]));
  }
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => hexPositions(item, [...path, key]));
  }
  return [];
}

function flipBitAt(value: unknown, path: (string | number)[], at: number, bit: number): unknown {
  const copy = structuredClone(value) as Loose;
  let parent = copy;
  for (const step of path.slice(0, -1)) {
    parent = parent[step];
  }
  const last = path.at(-1)!;
  const text = parent[last] as string;
  const digit = Number.parseInt(text[at]!, 16) ^ (1 << bit);
  parent[last] = text.slice(0, at) + digit.toString(16) + text.slice(at + 1);
  return copy;
}

describe('verification: random bit flips in hex never verify', () => {
  const property = (answer: () => unknown, verify: (tamperedAnswer: unknown) => boolean) => {
    const positions = hexPositions(answer());
    assert.ok(positions.length > 10);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: positions.length - 1 }),
        fc.nat(),
        fc.integer({ min: 0, max: 3 }),
        (which, offset, bit) => {
          const [path, length] = positions[which]!;
          return !verify(flipBitAt(answer(), path, offset % length, bit));
        },
      ),
      { numRuns: 300 },
    );
  };

  it('in transaction proofs', () => {
    property(
      () => txProof,
      (proof) => verifyTransactionProof(proof as TransactionProof, options()).ok,
    );
  });

  it('in state answers for present and absent keys', () => {
    for (const answer of [present, absent]) {
      property(
        () => answer,
        (flipped) => verifyStateProof(flipped as StateAnswer, options()).ok,
      );
    }
  });

  it('uses the pure crypto by default, which agrees with the node', () => {
    assert.ok(verifyTransactionProof(txProof, { ...options(), crypto: pureCrypto }).ok);
  });
});
