/** Identity & governance: every action's success path and every rejection code. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pureCrypto, type Signer } from '../../core/crypto.js';
import { DEMO_ORGANIZATION_IDS } from '../../genesis/demo.js';
import type { Genesis } from '../../genesis/types.js';
import type { Receipt } from '../../ledger/block.js';
import { demoTestNetwork, namedSigner, publicKeyHex, TestChain } from '../engine/test-chain.js';
import type { Member, Organization, Proposal, ValidatorSet } from './types.js';

const CHAIN_ID = 'medchain-test';
const HOSPITAL = DEMO_ORGANIZATION_IDS.hospital;
const CLINIC = DEMO_ORGANIZATION_IDS.clinic;
const PAYER = DEMO_ORGANIZATION_IDS.payer;
const PHARMACY = DEMO_ORGANIZATION_IDS.pharmacy;

const network = demoTestNetwork();
const admins = network.admins;
const validatorsOf = network.validators;

function demoGenesis(): Genesis {
  return demoTestNetwork().genesis;
}

function key(signer: Signer): string {
  return publicKeyHex(signer);
}

function expectOk(receipt: Receipt): void {
  assert.equal(receipt.name, 'ok', receipt.message);
}

function expectFail(receipt: Receipt, name: string): void {
  assert.equal(receipt.name, name, `expected ${name}, got ${receipt.name}: ${receipt.message}`);
  assert.notEqual(receipt.code, 0);
  assert.deepEqual(receipt.events, []);
}

const doctor = namedSigner('doctor-1');
const patient = namedSigner('patient-1');

function registerDoctor(chain: TestChain, signer = doctor): Receipt {
  return chain.run(admins.hospital, {
    action: 'registerMember',
    args: {
      id: 'dr-ana',
      kind: 'practitioner',
      signingKey: key(signer),
      encryptionKey: 'ab'.repeat(32),
      roles: ['clinician'],
      displayName: 'Dr. Ana Silva',
    },
  });
}

function organization(chain: TestChain, id: string): Organization {
  return chain.query('identity', 'organization', { id }) as unknown as Organization;
}

function member(chain: TestChain, id: string): Member {
  return chain.query('identity', 'member', { id }) as unknown as Member;
}

function proposal(chain: TestChain, id: number): Proposal {
  return chain.query('identity', 'proposal', { id: String(id) }) as unknown as Proposal;
}

describe('identity: registerMember', () => {
  it('registers a practitioner and indexes its key', () => {
    const chain = new TestChain(pureCrypto, demoGenesis());
    const receipt = registerDoctor(chain);
    expectOk(receipt);
    assert.deepEqual(receipt.events, [
      {
        type: 'identity.member_registered',
        attributes: { member: 'dr-ana', organization: HOSPITAL, kind: 'practitioner' },
      },
    ]);
    assert.equal(member(chain, 'dr-ana').organization, HOSPITAL);
    assert.deepEqual(chain.query('identity', 'key', { publicKey: key(doctor) }), {
      kind: 'member',
      organization: HOSPITAL,
      member: 'dr-ana',
      active: true,
    });
    // The new member can sign at once.
    const next = chain.run(doctor, {
      action: 'rotateMemberKey',
      args: { member: 'dr-ana', encryptionKey: 'cd'.repeat(32) },
    });
    expectOk(next);
  });

  it('rejects a name for a patient, a duplicate id, a used key, a non-admin', () => {
    const chain = new TestChain(pureCrypto, demoGenesis());
    const patientArgs = {
      id: 'pt-0001',
      kind: 'patient',
      signingKey: key(patient),
      encryptionKey: 'ab'.repeat(32),
    };
    const named = chain.run(admins.hospital, {
      action: 'registerMember',
      args: { ...patientArgs, displayName: 'Jane Doe' },
    });
    expectFail(named, 'invalid_arguments');
    assert.match(named.message, /displayName/);
    expectOk(chain.run(admins.hospital, { action: 'registerMember', args: patientArgs }));
    expectFail(
      chain.run(admins.clinic, {
        action: 'registerMember',
        args: { ...patientArgs, signingKey: key(doctor) },
      }),
      'identity.member_exists',
    );
    expectFail(
      chain.run(admins.clinic, {
        action: 'registerMember',
        args: { ...patientArgs, id: 'pt-0002' },
      }),
      'identity.key_in_use',
    );
    expectFail(
      chain.run(admins.clinic, {
        action: 'registerMember',
        args: { ...patientArgs, id: 'pt-0003', signingKey: key(validatorsOf.clinic) },
      }),
      'identity.key_in_use',
    );
    expectFail(
      chain.run(patient, {
        action: 'registerMember',
        args: { ...patientArgs, id: 'pt-0004', signingKey: key(doctor) },
      }),
      'unauthorized',
    );
  });

  it('names the offending field for malformed arguments', () => {
    const chain = new TestChain(pureCrypto, demoGenesis());
    const base = {
      id: 'dr-bo',
      kind: 'practitioner',
      signingKey: key(doctor),
      encryptionKey: 'ab'.repeat(32),
    };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...base, extra: 1 }, /unknown field "extra"/],
      [{ ...base, id: 'X' }, /^id must be/],
      [{ ...base, kind: 'nurse' }, /^kind must be one of/],
      [{ ...base, signingKey: 'zz' }, /^signingKey must be/],
      [{ ...base, encryptionKey: 5 }, /^encryptionKey must be/],
      [{ ...base, roles: ['ok', 'ok'] }, /roles must not repeat/],
      [{ ...base, roles: ['Bad Role'] }, /^roles\[0\] must be/],
      [{ id: 'dr-bo' }, /^kind is required/],
    ];
    for (const [args, pattern] of cases) {
      const receipt = chain.run(admins.hospital, { action: 'registerMember', args: args as never });
      expectFail(receipt, 'invalid_arguments');
      assert.match(receipt.message, pattern);
    }
  });
});

describe('identity: rotateMemberKey', () => {
  it('makes the old key unusable and the new one active, by the member itself', () => {
    const chain = new TestChain(pureCrypto, demoGenesis());
    expectOk(registerDoctor(chain));
    const fresh = namedSigner('doctor-1-new');
    const receipt = chain.run(doctor, {
      action: 'rotateMemberKey',
      args: { member: 'dr-ana', signingKey: key(fresh) },
    });
    expectOk(receipt);
    assert.equal(member(chain, 'dr-ana').signingKey, key(fresh));
    const old = chain.run(doctor, {
      action: 'rotateMemberKey',
      args: { member: 'dr-ana', encryptionKey: 'ee'.repeat(32) },
    });
    expectFail(old, 'inactive_signer');
    expectOk(
      chain.run(fresh, {
        action: 'rotateMemberKey',
        args: { member: 'dr-ana', encryptionKey: 'ee'.repeat(32) },
      }),
    );
    // A retired key can never be registered again.
    expectFail(
      chain.run(admins.hospital, {
        action: 'rotateMemberKey',
        args: { member: 'dr-ana', signingKey: key(doctor) },
      }),
      'identity.key_in_use',
    );
  });

  it('lets the org admin rotate; rejects others, unknown and inactive members, no keys', () => {
    const chain = new TestChain(pureCrypto, demoGenesis());
    expectOk(registerDoctor(chain));
    const args = { member: 'dr-ana', signingKey: key(namedSigner('doctor-x')) };
    expectFail(chain.run(admins.clinic, { action: 'rotateMemberKey', args }), 'unauthorized');
    expectFail(
      chain.run(admins.hospital, {
        action: 'rotateMemberKey',
        args: { ...args, member: 'nobody' },
      }),
      'identity.member_not_found',
    );
    expectFail(
      chain.run(admins.hospital, { action: 'rotateMemberKey', args: { member: 'dr-ana' } }),
      'invalid_arguments',
    );
    expectOk(chain.run(admins.hospital, { action: 'rotateMemberKey', args }));
    expectOk(
      chain.run(admins.hospital, { action: 'deactivateMember', args: { member: 'dr-ana' } }),
    );
    expectFail(
      chain.run(admins.hospital, {
        action: 'rotateMemberKey',
        args: { member: 'dr-ana', encryptionKey: '11'.repeat(32) },
      }),
      'identity.member_inactive',
    );
  });
});

describe('identity: deactivateMember', () => {
  it('stops the member signing anything', () => {
    const chain = new TestChain(pureCrypto, demoGenesis());
    expectOk(registerDoctor(chain));
    const receipt = chain.run(admins.hospital, {
      action: 'deactivateMember',
      args: { member: 'dr-ana' },
    });
    expectOk(receipt);
    assert.equal(receipt.events[0]?.type, 'identity.member_deactivated');
    assert.equal(member(chain, 'dr-ana').active, false);
    const attempt = chain.transaction(doctor, {
      action: 'rotateMemberKey',
      args: { member: 'dr-ana', encryptionKey: 'ee'.repeat(32) },
    });
    const admission = chain.engine.checkAdmission(chain.state, attempt);
    assert.deepEqual(admission.ok, false);
    expectFail(chain.block([attempt]).receipts[0]!, 'inactive_signer');
  });

  it('rejects other organizations, unknown and already inactive members', () => {
    const chain = new TestChain(pureCrypto, demoGenesis());
    expectOk(registerDoctor(chain));
    const args = { member: 'dr-ana' };
    expectFail(chain.run(admins.clinic, { action: 'deactivateMember', args }), 'unauthorized');
    expectFail(chain.run(doctor, { action: 'deactivateMember', args }), 'unauthorized');
    expectFail(
      chain.run(admins.hospital, { action: 'deactivateMember', args: { member: 'ghost' } }),
      'identity.member_not_found',
    );
    expectOk(chain.run(admins.hospital, { action: 'deactivateMember', args }));
    expectFail(
      chain.run(admins.hospital, { action: 'deactivateMember', args }),
      'identity.member_inactive',
    );
  });
});

describe('identity: rotateAdminKey', () => {
  it('retires the old admin key', () => {
    const chain = new TestChain(pureCrypto, demoGenesis());
    const fresh = namedSigner('admin-hospital-2');
    const receipt = chain.run(admins.hospital, {
      action: 'rotateAdminKey',
      args: { adminKey: key(fresh) },
    });
    expectOk(receipt);
    assert.equal(organization(chain, HOSPITAL).adminKey, key(fresh));
    expectFail(registerDoctor(chain), 'inactive_signer');
    const again = chain.run(fresh, {
      action: 'registerMember',
      args: {
        id: 'dr-ana',
        kind: 'practitioner',
        signingKey: key(doctor),
        encryptionKey: 'ab'.repeat(32),
      },
    });
    expectOk(again);
  });

  it('rejects a key in use and a non-admin signer', () => {
    const chain = new TestChain(pureCrypto, demoGenesis());
    expectOk(registerDoctor(chain));
    expectFail(
      chain.run(admins.hospital, {
        action: 'rotateAdminKey',
        args: { adminKey: key(admins.clinic) },
      }),
      'identity.key_in_use',
    );
    expectFail(
      chain.run(doctor, { action: 'rotateAdminKey', args: { adminKey: key(namedSigner('z')) } }),
      'unauthorized',
    );
  });
});

const newcomer = { admin: namedSigner('admin-lab'), validator: namedSigner('validator-lab') };

function proposeLab(chain: TestChain, by = admins.hospital): Receipt {
  return chain.run(by, {
    action: 'proposeAdmission',
    args: {
      id: 'org-city-lab',
      name: 'City Lab',
      role: 'lab',
      adminKey: key(newcomer.admin),
      validatorKey: key(newcomer.validator),
    },
  });
}

function voteAll(chain: TestChain, id: number, voters: Signer[], approve = true): Receipt[] {
  return voters.map((voter) =>
    chain.run(voter, { action: 'vote', args: { proposal: id, approve } }),
  );
}

describe('identity: governance', () => {
  it('admits an organization once more than two thirds vote yes', () => {
    const chain = new TestChain(pureCrypto, demoGenesis());
    const created = proposeLab(chain);
    expectOk(created);
    assert.equal(created.events[0]?.attributes.proposal, 1);
    voteAll(chain, 1, [admins.hospital, admins.clinic]).forEach(expectOk);
    assert.equal(proposal(chain, 1).status, 'open', '2 of 4 is not enough');
    const [third] = voteAll(chain, 1, [admins.payer]);
    expectOk(third!);
    const types = third!.events.map((event) => event.type);
    assert.deepEqual(types, [
      'identity.vote_cast',
      'identity.validator_changed',
      'identity.organization_admitted',
      'identity.proposal_passed',
    ]);
    const passedAt = chain.height;
    assert.equal(proposal(chain, 1).status, 'passed');
    assert.equal(organization(chain, 'org-city-lab').active, true);
    // The validator joins at the next height; the block that passed it kept the old set.
    const set = chain.engine.validators(chain.state);
    assert.equal(set.length, 5);
    assert.equal(chain.engine.validators(chain.state, passedAt).length, 4);
    assert.equal(chain.engine.validators(chain.state, passedAt + 1).length, 5);
    // The newcomer's admin now votes and signs.
    expectOk(
      chain.run(newcomer.admin, {
        action: 'rotateAdminKey',
        args: { adminKey: key(namedSigner('lab-2')) },
      }),
    );
  });

  it('rejects a proposal once it cannot pass, and rejects bad votes', () => {
    const chain = new TestChain(pureCrypto, demoGenesis());
    expectOk(proposeLab(chain));
    expectFail(
      chain.run(admins.hospital, { action: 'vote', args: { proposal: 9, approve: true } }),
      'identity.proposal_not_found',
    );
    expectOk(chain.run(admins.hospital, { action: 'vote', args: { proposal: 1, approve: false } }));
    expectFail(
      chain.run(admins.hospital, { action: 'vote', args: { proposal: 1, approve: true } }),
      'identity.already_voted',
    );
    expectFail(
      chain.run(doctor, { action: 'vote', args: { proposal: 1, approve: true } }),
      'unknown_signer',
    );
    expectOk(registerDoctor(chain));
    expectFail(
      chain.run(doctor, { action: 'vote', args: { proposal: 1, approve: true } }),
      'unauthorized',
    );
    const last = chain.run(admins.clinic, {
      action: 'vote',
      args: { proposal: 1, approve: false },
    });
    expectOk(last);
    assert.equal(proposal(chain, 1).status, 'rejected');
    expectFail(
      chain.run(admins.payer, { action: 'vote', args: { proposal: 1, approve: true } }),
      'identity.proposal_closed',
    );
  });

  it('rejects votes after expiry', () => {
    const chain = new TestChain(pureCrypto, demoGenesis());
    expectOk(proposeLab(chain));
    chain.height += 100_000;
    expectFail(
      chain.run(admins.clinic, { action: 'vote', args: { proposal: 1, approve: true } }),
      'identity.proposal_expired',
    );
  });

  it('rejects proposals that could never apply', () => {
    const chain = new TestChain(pureCrypto, demoGenesis());
    const lab = { id: 'org-lab-x', name: 'Lab X', role: 'lab' };
    const propose = (args: Record<string, unknown>) =>
      chain.run(admins.hospital, {
        action: 'proposeAdmission',
        args: { ...lab, ...args } as never,
      });
    expectFail(
      propose({ id: HOSPITAL, adminKey: key(namedSigner('q')) }),
      'identity.organization_exists',
    );
    expectFail(propose({ adminKey: key(admins.clinic) }), 'identity.key_in_use');
    expectFail(
      propose({ adminKey: key(namedSigner('q')), validatorKey: key(validatorsOf.clinic) }),
      'identity.key_in_use',
    );
    expectFail(
      propose({ adminKey: key(namedSigner('q')), validatorKey: key(namedSigner('q')) }),
      'identity.key_in_use',
    );
    expectFail(propose({ adminKey: key(namedSigner('q')), role: 'bank' }), 'invalid_arguments');
    expectFail(
      chain.run(admins.hospital, { action: 'proposeRemoval', args: { organization: 'org-nope' } }),
      'identity.organization_not_found',
    );
    expectFail(
      chain.run(admins.hospital, {
        action: 'proposeValidator',
        args: { organization: 'org-nope', validatorKey: null },
      }),
      'identity.organization_not_found',
    );
    expectFail(
      chain.run(admins.hospital, {
        action: 'proposeValidator',
        args: { organization: CLINIC, validatorKey: key(admins.payer) },
      }),
      'identity.key_in_use',
    );
    expectFail(
      chain.run(doctor, { action: 'proposeRemoval', args: { organization: CLINIC } }),
      'unknown_signer',
    );
  });

  it('removes an organization: its admin, validator and members stop working', () => {
    const chain = new TestChain(pureCrypto, demoGenesis());
    expectOk(registerDoctor(chain));
    expectOk(
      chain.run(admins.clinic, { action: 'proposeRemoval', args: { organization: HOSPITAL } }),
    );
    voteAll(chain, 1, [admins.clinic, admins.payer, admins.pharmacy]).forEach(expectOk);
    assert.equal(proposal(chain, 1).status, 'passed');
    assert.equal(organization(chain, HOSPITAL).active, false);
    assert.equal(chain.engine.validators(chain.state).length, 3);
    expectFail(
      chain.run(doctor, {
        action: 'rotateMemberKey',
        args: { member: 'dr-ana', encryptionKey: '12'.repeat(32) },
      }),
      'inactive_signer',
    );
    expectFail(
      chain.run(admins.hospital, {
        action: 'rotateAdminKey',
        args: { adminKey: key(namedSigner('r')) },
      }),
      'inactive_signer',
    );
    expectFail(
      chain.run(admins.clinic, { action: 'proposeRemoval', args: { organization: HOSPITAL } }),
      'identity.organization_inactive',
    );
    // Three organizations remain: 2 of 3 is exactly two thirds and is not enough.
    expectOk(proposeLab(chain, admins.clinic));
    voteAll(chain, 2, [admins.clinic, admins.payer]).forEach(expectOk);
    assert.equal(proposal(chain, 2).status, 'open');
    expectFail(
      chain.run(admins.clinic, {
        action: 'proposeAdmission',
        args: { id: HOSPITAL, name: 'Again', role: 'hospital', adminKey: key(namedSigner('s')) },
      }),
      'identity.organization_exists',
    );
  });

  it('changes and removes validators, never leaving the set empty', () => {
    const single = demoGenesis();
    for (const organization of single.organizations.slice(1)) {
      delete organization.validatorKey;
    }
    const chain = new TestChain(pureCrypto, single);
    expectFail(
      chain.run(admins.clinic, {
        action: 'proposeValidator',
        args: { organization: CLINIC, validatorKey: null },
      }),
      'identity.no_validator',
    );
    expectFail(
      chain.run(admins.clinic, {
        action: 'proposeValidator',
        args: { organization: HOSPITAL, validatorKey: null },
      }),
      'identity.validator_set_empty',
    );
    expectFail(
      chain.run(admins.clinic, { action: 'proposeRemoval', args: { organization: HOSPITAL } }),
      'identity.validator_set_empty',
    );
    const fresh = namedSigner('validator-clinic-new');
    expectOk(
      chain.run(admins.clinic, {
        action: 'proposeValidator',
        args: { organization: CLINIC, validatorKey: key(fresh) },
      }),
    );
    voteAll(chain, 1, [admins.hospital, admins.clinic, admins.payer]).forEach(expectOk);
    const set = chain.query('identity', 'validators', {}) as unknown as ValidatorSet;
    assert.equal(set.validators.length, 2);
    assert.equal(set.previous.length, 1);
    assert.equal(set.effectiveHeight, chain.height + 1);
    // Now the hospital's validator may go.
    expectOk(
      chain.run(admins.clinic, {
        action: 'proposeValidator',
        args: { organization: HOSPITAL, validatorKey: null },
      }),
    );
    voteAll(chain, 2, [admins.hospital, admins.clinic, admins.payer]).forEach(expectOk);
    assert.deepEqual(
      chain.engine.validators(chain.state).map((v) => v.organization),
      [CLINIC],
    );
    assert.equal(organization(chain, HOSPITAL).validatorKey, null);
    // A validator key can never sign transactions.
    expectFail(
      chain.run(fresh, { action: 'vote', args: { proposal: 2, approve: true } }),
      'unknown_signer',
    );
  });

  it('fails a passed proposal whose change no longer applies', () => {
    const chain = new TestChain(pureCrypto, demoGenesis());
    expectOk(proposeLab(chain));
    expectOk(proposeLab(chain, admins.clinic));
    voteAll(chain, 1, [admins.hospital, admins.clinic, admins.payer]).forEach(expectOk);
    // Five organizations now: four yes votes pass it, and it fails to apply.
    const voters = [admins.hospital, admins.clinic, admins.payer, admins.pharmacy];
    const receipts = voteAll(chain, 2, voters);
    receipts.forEach(expectOk);
    assert.equal(receipts[3]!.events.at(-1)?.type, 'identity.proposal_failed');
    const failed = proposal(chain, 2);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.failure, 'identity.organization_exists');
  });
});

describe('identity: vote threshold is more than two thirds', () => {
  for (let n = 1; n <= 7; n++) {
    it(`n = ${n}`, () => {
      const signers = Array.from({ length: n }, (_, i) => namedSigner(`admin-${i}`));
      const genesis: Genesis = {
        chainId: CHAIN_ID,
        genesisTime: 0,
        appVersion: 1,
        consensus: { blockTransactionsMax: 100, blockTimeMs: 1000 },
        organizations: signers.map((signer, i) => ({
          id: `org-${i}`,
          name: `Org ${i}`,
          role: 'clinic' as const,
          adminKey: key(signer),
          validatorKey: key(namedSigner(`validator-${i}`)),
        })),
      };
      const chain = new TestChain(pureCrypto, genesis);
      expectOk(proposeLab(chain, signers[0]));
      const needed = Math.floor((2 * n) / 3) + 1;
      for (let i = 0; i < needed; i++) {
        assert.equal(proposal(chain, 1).status, 'open', `${i} of ${n} yes must not pass`);
        expectOk(chain.run(signers[i]!, { action: 'vote', args: { proposal: 1, approve: true } }));
      }
      assert.equal(proposal(chain, 1).status, 'passed', `${needed} of ${n} yes must pass`);
      if (n % 3 === 0) {
        assert.equal(3 * (needed - 1), 2 * n, 'exactly two thirds was tried and did not pass');
      }
    });
  }
});

describe('identity: queries', () => {
  it('answers with the state key and rejects bad parameters', () => {
    const chain = new TestChain(pureCrypto, demoGenesis());
    const answer = chain.queryRaw('identity', 'organization', { id: PAYER });
    assert.ok(!('error' in answer));
    assert.equal(answer.key, `identity/organization/${PAYER}`);
    assert.equal((answer.value as Organization).role, 'payer');
    assert.deepEqual(chain.queryRaw('identity', 'member', { id: 'nobody' }), {
      key: 'identity/member/nobody',
      value: null,
    });
    assert.ok('error' in chain.queryRaw('identity', 'proposal', { id: '0' }));
    assert.ok('error' in chain.queryRaw('identity', 'key', { publicKey: 'xyz' }));
    assert.deepEqual(chain.queryRaw('identity', 'member', { id: 'abc', extra: '1' }), {
      error: 'invalid_params',
      message: 'unknown parameter "extra"',
    });
    assert.ok('error' in chain.queryRaw('identity', 'nothing', {}));
    assert.equal(
      (chain.query('identity', 'validators', {}) as unknown as ValidatorSet).validators.length,
      4,
    );
    assert.equal(organization(chain, PHARMACY).role, 'pharmacy');
  });
});
