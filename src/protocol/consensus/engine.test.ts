/**
 * Unit tests of the engine's rules, each against a hand-driven cluster: every broadcast is
 * delivered in order unless a test intercepts it, and the "application" answers build and
 * validate requests at once. Whole-cluster faults are the simulator's job (test/sim).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toHex, utf8 } from '../core/bytes.js';
import type { JsonValue } from '../core/canonical.js';
import { pureCrypto as crypto, type Signer, seedSigner } from '../core/crypto.js';
import { hashOf } from '../core/hash.js';
import { verifyCommitCertificate } from '../ledger/commit.js';
import { ConsensusEngine } from './engine.js';
import { signProposal, signVote } from './messages.js';
import type {
  ConsensusAction,
  ConsensusConfig,
  ConsensusEvent,
  ConsensusMessage,
  Vote,
  WalRecord,
} from './types.js';
import { powerTable, proposerOf } from './validators.js';

const CHAIN_ID = 'medchain-test';
const CONFIG: ConsensusConfig = {
  chainId: CHAIN_ID,
  timeouts: {
    proposeBaseMs: 100,
    proposeDeltaMs: 50,
    prevoteBaseMs: 80,
    prevoteDeltaMs: 40,
    precommitBaseMs: 80,
    precommitDeltaMs: 40,
    rebroadcastMs: 500,
  },
};
const valueId = (block: JsonValue) => hashOf(crypto, 'block', block);

function signerAt(index: number): Signer {
  return seedSigner(crypto.sha256(utf8(`consensus-test-${index}`)));
}

interface Node {
  engine: ConsensusEngine;
  signer: Signer;
  key: string;
  commits: Extract<ConsensusAction, { type: 'commit' }>[];
  wal: WalRecord[];
  log: ConsensusAction[];
}

function cluster(count: number, powers?: number[]) {
  const signers = Array.from({ length: count }, (_, i) => signerAt(i));
  const validators = signers.map((signer, i) => ({
    publicKey: toHex(signer.publicKey),
    organization: `org-${i}`,
    power: powers?.[i] ?? 10,
  }));
  const nodes: Node[] = signers.map((signer) => ({
    engine: new ConsensusEngine(CONFIG, { crypto, signer, valueId }),
    signer,
    key: toHex(signer.publicKey),
    commits: [],
    wal: [],
    log: [],
  }));
  const queue: Array<{ to: number; event: ConsensusEvent }> = [];
  /** Actions → events: broadcasts to everyone else, app answers, commits recorded. */
  const handle = (index: number, actions: ConsensusAction[]) => {
    const node = nodes[index]!;
    for (const action of actions) {
      node.log.push(action);
      if (action.type === 'persist') {
        node.wal.push(action.record);
      } else if (action.type === 'broadcast') {
        nodes.forEach((_, to) => {
          if (to !== index) {
            queue.push({ to, event: { type: 'message', message: action.message } });
          }
        });
      } else if (action.type === 'buildProposal') {
        const block = { height: action.height, round: action.round, txs: [`tx-${index}`] };
        queue.push({ to: index, event: { ...action, type: 'proposalValue', block } });
      } else if (action.type === 'validateProposal') {
        const valid = !JSON.stringify(action.block).includes('invalid');
        queue.push({ to: index, event: { ...action, type: 'validation', valid } });
      } else if (action.type === 'commit') {
        node.commits.push(action);
      }
    }
  };
  const send = (index: number, event: ConsensusEvent) =>
    handle(index, nodes[index]!.engine.step(event));
  const drain = (filter: (to: number, event: ConsensusEvent) => boolean = () => true) => {
    while (queue.length > 0) {
      const next = queue.shift()!;
      if (filter(next.to, next.event)) {
        send(next.to, next.event);
      }
    }
  };
  const start = (height = 1) => {
    for (let i = 0; i < nodes.length; i++) {
      send(i, startEvent(height));
    }
  };
  const startEvent = (height: number): ConsensusEvent => ({
    type: 'startHeight',
    height,
    validators,
  });
  return { nodes, validators, queue, send, drain, start, signers };
}

describe('consensus: proposer selection', () => {
  it('is round robin in key order for equal power, advancing with height and round', () => {
    const { validators } = cluster(4);
    const table = powerTable(validators);
    const keys = table.validators.map((validator) => validator.publicKey);
    for (let h = 1; h < 10; h++) {
      assert.equal(proposerOf(table, h, 0), keys[h % 4]);
      assert.equal(proposerOf(table, h, 1), keys[(h + 1) % 4]);
    }
  });

  it('gives proposals in proportion to power, interleaved', () => {
    const { validators } = cluster(3, [30, 10, 20]);
    const table = powerTable(validators);
    const counts = new Map<string, number>();
    for (let slot = 0; slot < 60; slot++) {
      const key = proposerOf(table, slot, 0);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    assert.deepEqual(
      validators.map((validator) => counts.get(validator.publicKey)),
      [30, 10, 20],
    );
    const run = [0, 1, 2, 3, 4, 5].map((slot) => proposerOf(table, slot, 0));
    assert.ok(new Set(run).size === 3, 'every validator proposes within one cycle');
  });
});

describe('consensus: happy path', () => {
  for (const count of [1, 2, 3, 4, 7]) {
    it(`n=${count}: everyone commits the same block with a certificate that verifies`, () => {
      const c = cluster(count);
      c.start();
      c.drain();
      const hashes = new Set(c.nodes.map((node) => node.commits[0]?.blockHash));
      assert.equal(hashes.size, 1);
      for (const node of c.nodes) {
        const commit = node.commits[0]!;
        assert.equal(commit.height, 1);
        assert.equal(valueId(commit.block), commit.blockHash);
        const check = verifyCommitCertificate(crypto, {
          chainId: CHAIN_ID,
          certificate: commit.certificate,
          validators: c.validators,
        });
        assert.ok(check.ok, JSON.stringify(check));
      }
    });
  }

  it('persists every signed message before broadcasting it', () => {
    const c = cluster(4);
    c.start();
    c.drain();
    for (const node of c.nodes) {
      node.log.forEach((action, i) => {
        if (action.type === 'broadcast') {
          const persisted = node.log
            .slice(0, i)
            .some(
              (a) =>
                a.type === 'persist' &&
                a.record.type === 'signed' &&
                a.record.message.signature === action.message.signature,
            );
          assert.ok(persisted, 'broadcast of a message that was not persisted first');
        }
      });
    }
  });

  it('buffers next-height messages while the application commits (pipelining)', () => {
    const c = cluster(4);
    c.start(1);
    c.drain();
    // Node 0 moves to height 2 first; the others still owe the application's startHeight.
    c.send(0, { type: 'startHeight', height: 2, validators: c.validators });
    c.drain((to) => to === 0);
    for (let i = 1; i < 4; i++) {
      c.send(i, { type: 'startHeight', height: 2, validators: c.validators });
    }
    c.drain();
    assert.ok(c.nodes.every((node) => node.commits.length === 2));
  });
});

describe('consensus: timeouts and round changes', () => {
  it('timeouts grow by delta with the round', () => {
    const c = cluster(4);
    c.start();
    const node = c.nodes[1]!;
    for (let round = 0; round < 3; round++) {
      const before = node.log.length;
      c.send(1, { type: 'timeout', kind: 'propose', height: 1, round });
      c.send(1, { type: 'timeout', kind: 'prevote', height: 1, round });
      c.send(1, { type: 'timeout', kind: 'precommit', height: 1, round });
      const scheduled = node.log
        .slice(before)
        .filter((a) => a.type === 'scheduleTimeout' && a.kind === 'propose');
      assert.deepEqual(
        scheduled.map((a) => (a.type === 'scheduleTimeout' ? a.durationMs : 0)),
        [100 + 50 * (round + 1)],
      );
    }
    assert.equal(node.engine.state.current?.round, 3);
  });

  it('a silent proposer costs one round; the next proposer decides', () => {
    const c = cluster(4);
    c.start();
    const silent = proposerOf(powerTable(c.validators), 1, 0);
    c.queue.length = 0;
    // Everyone but the silent proposer times out of the propose step, then prevote/precommit.
    for (const [i, node] of c.nodes.entries()) {
      if (node.key !== silent) {
        c.send(i, { type: 'timeout', kind: 'propose', height: 1, round: 0 });
      }
    }
    c.drain((_, event) => !(event.type === 'message' && event.message.type === 'proposal'));
    for (const [i] of c.nodes.entries()) {
      c.send(i, { type: 'timeout', kind: 'precommit', height: 1, round: 0 });
    }
    c.drain();
    const decided = c.nodes.filter((node) => node.commits.length === 1);
    assert.equal(decided.length, 4);
    assert.ok(decided.every((node) => node.commits[0]!.certificate.round >= 1));
  });
});

function vote(signer: Signer, params: Omit<Vote, 'validator' | 'signature'>): Vote {
  return signVote(signer, CHAIN_ID, params);
}

describe('consensus: locking (lines 22-43)', () => {
  /** Everyone locks on round 0's block; then `index` alone enters round 1. */
  function lockedThenRoundOne(canary?: ConsensusConfig['canary']) {
    const c = cluster(4);
    if (canary !== undefined) {
      c.nodes.forEach((node) => {
        node.engine = new ConsensusEngine(
          { ...CONFIG, canary },
          {
            crypto,
            signer: node.signer,
            valueId,
          },
        );
      });
    }
    c.start();
    c.drain((_, event) => !(event.type === 'message' && event.message.type === 'precommit'));
    const table = powerTable(c.validators);
    const index = c.nodes.findIndex((node) => node.key !== proposerOf(table, 1, 1));
    const node = c.nodes[index]!;
    assert.equal(node.engine.state.current!.lockedRound, 0);
    node.engine.step({ type: 'timeout', kind: 'precommit', height: 1, round: 0 });
    const proposer = c.signers.find((s) => toHex(s.publicKey) === proposerOf(table, 1, 1))!;
    const block = { height: 1, fresh: true };
    const proposal = signProposal(proposer, CHAIN_ID, {
      height: 1,
      round: 1,
      validRound: -1,
      block,
      blockHash: valueId(block),
    });
    const actions = [
      ...node.engine.step({ type: 'message', message: proposal }),
      ...node.engine.step({
        type: 'validation',
        height: 1,
        blockHash: valueId(block),
        valid: true,
      }),
    ];
    const prevote = actions.find((a) => a.type === 'broadcast' && a.message.type === 'prevote');
    assert.ok(prevote?.type === 'broadcast');
    return { prevote: prevote.message as Vote, fresh: valueId(block) };
  }

  it('a validator locked on v prevotes nil for a different block proposed with vr = -1', () => {
    const { prevote } = lockedThenRoundOne();
    assert.equal(prevote.round, 1);
    assert.equal(prevote.blockHash, null);
  });

  it('the skip-lock-check canary prevotes the different block (the bug the sim must see)', () => {
    const { prevote, fresh } = lockedThenRoundOne('skip-lock-check');
    assert.equal(prevote.blockHash, fresh);
  });
});

describe('consensus: equivocation and bad messages', () => {
  it('records a conflicting second vote as evidence and counts only the first', () => {
    const c = cluster(4);
    c.start();
    const byzantine = c.signers[3]!;
    const first = vote(byzantine, { type: 'prevote', height: 1, round: 0, blockHash: null });
    const second = vote(byzantine, {
      type: 'prevote',
      height: 1,
      round: 0,
      blockHash: 'ab'.repeat(32),
    });
    const actions = [first, second].flatMap((message) =>
      c.nodes[0]!.engine.step({ type: 'message', message }),
    );
    const evidence = actions.filter((a) => a.type === 'evidence');
    assert.equal(evidence.length, 1);
    const log = c.nodes[0]!.engine.state.current!.rounds.get(0)!;
    assert.equal(log.prevotes.get(toHex(byzantine.publicKey))?.blockHash, null);
  });

  it('rejects a bad signature and a vote from outside the validator set', () => {
    const c = cluster(4);
    c.start();
    const good = vote(c.signers[2]!, { type: 'prevote', height: 1, round: 0, blockHash: null });
    const forged: ConsensusMessage = { ...good, signature: 'cd'.repeat(64) };
    const stranger = vote(signerAt(99), { type: 'prevote', height: 1, round: 0, blockHash: null });
    for (const message of [forged, stranger]) {
      const actions = c.nodes[0]!.engine.step({ type: 'message', message, from: 'peer-9' });
      assert.ok(actions.some((a) => a.type === 'invalidMessage' && a.from === 'peer-9'));
    }
    assert.equal(c.nodes[0]!.engine.state.current!.rounds.get(0)?.prevotes.size ?? 0, 0);
  });
});

describe('consensus: restart from the WAL', () => {
  it('never signs a different vote for a (height, round, type) it signed before the crash', () => {
    const c = cluster(4);
    c.start();
    c.drain((_, event) => !(event.type === 'message' && event.message.type === 'precommit'));
    const before = c.nodes[1]!;
    const signedBefore = before.wal.filter((r) => r.type === 'signed');
    assert.ok(signedBefore.length >= 2);
    // A fresh engine with the same key, restored from the WAL alone.
    const engine = new ConsensusEngine(CONFIG, { crypto, signer: before.signer, valueId });
    engine.step({ type: 'startHeight', height: 1, validators: c.validators });
    engine.step({ type: 'restore', records: before.wal });
    const state = engine.state.current!;
    assert.equal(state.lockedRound, 0);
    assert.equal(state.step, 'precommit');
    const after = [
      ...engine.step({ type: 'timeout', kind: 'propose', height: 1, round: 0 }),
      ...engine.step({ type: 'timeout', kind: 'prevote', height: 1, round: 0 }),
    ];
    assert.equal(after.filter((a) => a.type === 'persist').length, 0, 'nothing new signed');
  });

  it('restores when the WAL is replayed before startHeight, too', () => {
    const c = cluster(4);
    c.start();
    c.drain((_, event) => !(event.type === 'message' && event.message.type === 'precommit'));
    const node = c.nodes[2]!;
    const engine = new ConsensusEngine(CONFIG, { crypto, signer: node.signer, valueId });
    engine.step({ type: 'restore', records: node.wal });
    engine.step({ type: 'startHeight', height: 1, validators: c.validators });
    assert.equal(engine.state.current!.lockedRound, 0);
  });
});

describe('consensus: catch-up from a certified block', () => {
  it('adopts a block whose certificate verifies and ignores one that does not', () => {
    const c = cluster(4);
    c.start();
    c.drain((to) => to !== 3);
    const commit = c.nodes[0]!.commits[0]!;
    const lagging = new ConsensusEngine(CONFIG, { crypto, signer: c.signers[3]!, valueId });
    lagging.step({ type: 'startHeight', height: 1, validators: c.validators });
    const forged = {
      ...commit.certificate,
      signatures: commit.certificate.signatures.slice(0, 2),
    };
    const refused = lagging.step({
      type: 'certifiedBlock',
      block: commit.block,
      certificate: forged,
    });
    assert.ok(refused.some((a) => a.type === 'invalidMessage'));
    const adopted = lagging.step({
      type: 'certifiedBlock',
      block: commit.block,
      certificate: commit.certificate,
    });
    const decided = adopted.find((a) => a.type === 'commit');
    assert.equal(decided?.type === 'commit' ? decided.blockHash : '', commit.blockHash);
  });

  it('points a peer that sends messages of a decided height at the certified block', () => {
    const c = cluster(4);
    c.start(1);
    c.drain();
    c.send(0, { type: 'startHeight', height: 2, validators: c.validators });
    const old = vote(c.signers[1]!, { type: 'precommit', height: 1, round: 0, blockHash: null });
    const actions = c.nodes[0]!.engine.step({ type: 'message', message: old, from: 'peer-1' });
    assert.deepEqual(
      actions.filter((a) => a.type === 'peerBehind'),
      [{ type: 'peerBehind', from: 'peer-1', height: 1 }],
    );
    const again = c.nodes[0]!.engine.step({ type: 'message', message: old, from: 'peer-1' });
    assert.equal(again.length, 0, 'once per peer and height until the next tick');
  });

  it('asks for a certified block when messages arrive from two heights ahead', () => {
    const c = cluster(4);
    c.start();
    const ahead = vote(c.signers[2]!, { type: 'prevote', height: 3, round: 0, blockHash: null });
    const actions = c.nodes[0]!.engine.step({ type: 'message', message: ahead });
    assert.ok(actions.some((a) => a.type === 'requestCertifiedBlock' && a.height === 1));
  });
});

describe('consensus: invalid proposals', () => {
  it('prevotes nil for a block the application rejects, then moves to the next round', () => {
    const c = cluster(4);
    c.start();
    const proposerKey = proposerOf(powerTable(c.validators), 1, 0);
    // Replace the proposer's build answer with an invalid block.
    c.queue.forEach((entry) => {
      if (entry.event.type === 'proposalValue') {
        entry.event = { ...entry.event, block: { invalid: true } };
      }
    });
    c.drain();
    const prevotes = c.nodes
      .filter((node) => node.key !== proposerKey)
      .flatMap((node) =>
        node.log.filter(
          (a) => a.type === 'broadcast' && a.message.type === 'prevote' && a.message.round === 0,
        ),
      );
    assert.ok(
      prevotes.every((a) => a.type === 'broadcast' && (a.message as Vote).blockHash === null),
    );
    assert.ok(c.nodes.every((node) => node.commits.length === 0));
  });
});
