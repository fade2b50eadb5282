/**
 * Message encoding rules: what each message signs (a block precommit signs the commit
 * bytes, everything else its own domain), strict decoding, thresholds and the WAL check.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromHex, toHex, utf8 } from '../core/bytes.js';
import { pureCrypto as crypto, seedSigner } from '../core/crypto.js';
import { domainBytes } from '../core/hash.js';
import { verifyCommitCertificate } from '../ledger/commit.js';
import { decodeConsensusMessage, signProposal, signVote, verifyMessage } from './messages.js';
import { isOneThird, isQuorum, powerTable } from './validators.js';
import { checkWalBeforeStart, walRecordsToReplay } from './wal.js';

const CHAIN_ID = 'medchain-test';
const signer = seedSigner(crypto.sha256(utf8('messages-test')));
const key = toHex(signer.publicKey);
const HASH = 'ab'.repeat(32);

describe('consensus messages: signing bytes', () => {
  it('a precommit for a block is a valid one-signature commit certificate', () => {
    const vote = signVote(signer, CHAIN_ID, {
      type: 'precommit',
      height: 3,
      round: 1,
      blockHash: HASH,
    });
    const bytes = domainBytes('commit', {
      chainId: CHAIN_ID,
      height: 3,
      round: 1,
      blockHash: HASH,
    });
    assert.ok(crypto.verifyEd25519(fromHex(vote.signature), bytes, signer.publicKey));
    const check = verifyCommitCertificate(crypto, {
      chainId: CHAIN_ID,
      certificate: {
        height: 3,
        round: 1,
        blockHash: HASH,
        signatures: [{ validator: key, signature: vote.signature }],
      },
      validators: [{ publicKey: key, organization: 'a', power: 1 }],
    });
    assert.ok(check.ok);
  });

  it('a prevote for the same block signs different bytes and is no commit signature', () => {
    const prevote = signVote(signer, CHAIN_ID, {
      type: 'prevote',
      height: 3,
      round: 1,
      blockHash: HASH,
    });
    const bytes = domainBytes('commit', {
      chainId: CHAIN_ID,
      height: 3,
      round: 1,
      blockHash: HASH,
    });
    assert.equal(crypto.verifyEd25519(fromHex(prevote.signature), bytes, signer.publicKey), false);
    assert.ok(verifyMessage(crypto, CHAIN_ID, prevote));
    assert.equal(verifyMessage(crypto, 'other-chain', prevote), false);
  });

  it('a proposal binds height, round, validRound and blockHash', () => {
    const proposal = signProposal(signer, CHAIN_ID, {
      height: 2,
      round: 0,
      validRound: -1,
      block: { any: 'thing' },
      blockHash: HASH,
    });
    assert.ok(verifyMessage(crypto, CHAIN_ID, proposal));
    assert.equal(verifyMessage(crypto, CHAIN_ID, { ...proposal, round: 1 }), false);
    assert.equal(
      verifyMessage(crypto, CHAIN_ID, { ...proposal, blockHash: 'cd'.repeat(32) }),
      false,
    );
  });
});

describe('consensus messages: decoding untrusted JSON', () => {
  const vote = signVote(signer, CHAIN_ID, {
    type: 'prevote',
    height: 1,
    round: 0,
    blockHash: null,
  });

  it('round-trips a vote and a proposal through JSON', () => {
    const decoded = decodeConsensusMessage(JSON.parse(JSON.stringify(vote)));
    assert.deepEqual(decoded, { ok: true, value: vote });
    const proposal = signProposal(signer, CHAIN_ID, {
      height: 1,
      round: 2,
      validRound: 1,
      block: [1, 2],
      blockHash: HASH,
    });
    assert.deepEqual(decodeConsensusMessage(JSON.parse(JSON.stringify(proposal))), {
      ok: true,
      value: proposal,
    });
  });

  it('refuses bad shapes without throwing', () => {
    const bad: unknown[] = [
      null,
      [],
      'vote',
      { ...vote, type: 'commit' },
      { ...vote, height: 0 },
      { ...vote, round: -1 },
      { ...vote, round: 1.5 },
      { ...vote, validator: 'XY' },
      { ...vote, signature: '00' },
      { ...vote, blockHash: 7 },
      { ...vote, extra: 1 },
      { type: 'proposal', height: 1, round: 0, validRound: 0, blockHash: HASH },
    ];
    for (const value of bad) {
      assert.equal(decodeConsensusMessage(value).ok, false, JSON.stringify(value));
    }
  });
});

describe('consensus thresholds', () => {
  it('counts power: more than 2/3 is a quorum, more than 1/3 is f + 1', () => {
    const validators = ['a', 'b', 'c', 'd'].map((id) => ({
      publicKey: id.repeat(64),
      organization: id,
      power: 1,
    }));
    const table = powerTable(validators);
    assert.equal(isQuorum(table, 2), false);
    assert.equal(isQuorum(table, 3), true);
    assert.equal(isOneThird(table, 1), false);
    assert.equal(isOneThird(table, 2), true);
    const single = powerTable([validators[0]!]);
    assert.equal(isQuorum(single, 1), true);
  });
});

describe('consensus WAL check (amnesia)', () => {
  it('refuses to start a node whose WAL ends below its committed height', () => {
    assert.deepEqual(checkWalBeforeStart({ committedHeight: 0, records: [] }), { ok: true });
    assert.equal(checkWalBeforeStart({ committedHeight: 5, records: [] }).ok, false);
    const records = [{ type: 'height' as const, height: 5 }];
    assert.deepEqual(checkWalBeforeStart({ committedHeight: 5, records }), { ok: true });
    assert.deepEqual(walRecordsToReplay({ committedHeight: 5, records }), []);
  });
});
