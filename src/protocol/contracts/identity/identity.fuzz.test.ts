/**
 * Property: any sequence of identity transactions, valid or not, executes without an
 * exception; a failed transaction changes no state but its signer's nonce (and that only
 * when the nonce matched); the validator set is never empty. Seed with FUZZ_SEED, size
 * with FUZZ_RUNS.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { toHex } from '../../core/bytes.js';
import type { JsonObject } from '../../core/canonical.js';
import { pureCrypto, type Signer } from '../../core/crypto.js';
import { nonceKey } from '../engine/keys.js';
import { demoTestNetwork, namedSigner, publicKeyHex, TestChain } from '../engine/test-chain.js';

const network = demoTestNetwork();
const extra = Array.from({ length: 4 }, (_, i) => namedSigner(`fuzz-${i}`));
const signers: Signer[] = [...Object.values(network.admins), ...extra, network.validators.clinic];
const keys = [...signers.map(publicKeyHex), 'zz', '00'.repeat(32)];
const organizations = [...network.genesis.organizations.map((o) => o.id), 'org-new-lab', 'x'];
const members = ['member-a', 'member-b', 'member-c'];

const anyKey = fc.constantFrom(...keys);
const anyOrganization = fc.constantFrom(...organizations);
const anyMember = fc.constantFrom(...members);

const actionArbitrary: fc.Arbitrary<{ action: string; args: JsonObject }> = fc.oneof(
  fc.record({
    action: fc.constant('registerMember'),
    args: fc.record(
      {
        id: anyMember,
        kind: fc.constantFrom('practitioner', 'patient', 'device', 'robot'),
        signingKey: anyKey,
        encryptionKey: fc.constantFrom('11'.repeat(32), 'bad'),
        displayName: fc.constantFrom('Dr. Who', ' padded'),
      },
      { requiredKeys: ['id', 'kind', 'signingKey', 'encryptionKey'] },
    ),
  }),
  fc.record({
    action: fc.constant('rotateMemberKey'),
    args: fc.record(
      { member: anyMember, signingKey: anyKey, encryptionKey: fc.constant('22'.repeat(32)) },
      { requiredKeys: ['member'] },
    ),
  }),
  fc.record({ action: fc.constant('deactivateMember'), args: fc.record({ member: anyMember }) }),
  fc.record({ action: fc.constant('rotateAdminKey'), args: fc.record({ adminKey: anyKey }) }),
  fc.record({
    action: fc.constant('proposeAdmission'),
    args: fc.record(
      {
        id: anyOrganization,
        name: fc.constant('New Lab'),
        role: fc.constantFrom('lab', 'castle'),
        adminKey: anyKey,
        validatorKey: fc.oneof(anyKey, fc.constant(null)),
      },
      { requiredKeys: ['id', 'name', 'role', 'adminKey'] },
    ),
  }),
  fc.record({
    action: fc.constant('proposeRemoval'),
    args: fc.record({ organization: anyOrganization }),
  }),
  fc.record({
    action: fc.constant('proposeValidator'),
    args: fc.record({
      organization: anyOrganization,
      validatorKey: fc.oneof(anyKey, fc.constant(null)),
    }),
  }),
  {
    // Weighted up: proposals only pass after several admins vote on the same one.
    weight: 6,
    arbitrary: fc.record({
      action: fc.constant('vote'),
      args: fc.record({
        proposal: fc.integer({ min: 0, max: 3 }),
        approve: fc.constantFrom(true, true, true, false),
      }),
    }),
  },
  fc.record({
    action: fc.constantFrom('vote', 'nope'),
    args: fc.dictionary(fc.string(), fc.integer()),
  }),
);

const stepArbitrary = fc.record({
  signer: fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 0, max: 3 }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: signers.length - 1 }) },
  ),
  call: actionArbitrary,
  nonceOffset: fc.constantFrom(0, 0, 0, 0, -1, 1),
});

function snapshotHex(chain: TestChain): Map<string, string> {
  return new Map([...chain.state.snapshot()].map(([key, value]) => [key, toHex(value)]));
}

it('identity: random transactions never throw and failures change only the nonce', () => {
  const seed = process.env.FUZZ_SEED === undefined ? 20240601 : Number(process.env.FUZZ_SEED);
  const numRuns = process.env.FUZZ_RUNS === undefined ? 60 : Number(process.env.FUZZ_RUNS);
  const seen = new Set<string>();
  fc.assert(
    fc.property(fc.array(stepArbitrary, { minLength: 20, maxLength: 40 }), (steps) => {
      const chain = new TestChain(pureCrypto, network.genesis);
      // Proposal 1 always exists, so random votes can decide it.
      const opening = chain.run(network.admins.hospital, {
        action: 'proposeRemoval',
        args: { organization: network.genesis.organizations[3]!.id },
      });
      assert.equal(opening.name, 'ok');
      for (const step of steps) {
        const signer = signers[step.signer]!;
        const nonce = Math.max(0, chain.nonce(signer) + step.nonceOffset);
        const before = snapshotHex(chain);
        const receipt = chain.block([chain.transaction(signer, { ...step.call, nonce })])
          .receipts[0]!;
        const after = snapshotHex(chain);
        seen.add(receipt.name);
        for (const event of receipt.events) {
          seen.add(event.type);
        }
        if (receipt.code !== 0) {
          const spent = nonceKey(publicKeyHex(signer));
          before.delete(spent);
          after.delete(spent);
          assert.deepEqual(after, before, `${receipt.name} changed state`);
          assert.deepEqual(receipt.events, []);
        }
        assert.ok(chain.engine.validators(chain.state).length > 0, 'validator set emptied');
      }
    }),
    { seed, numRuns },
  );
  // Guard against a vacuous run: successes, rejections and decided proposals all occurred.
  for (const name of ['ok', 'bad_nonce', 'invalid_arguments', 'identity.proposal_passed']) {
    assert.ok(seen.has(name), `the generator never produced ${name}: ${[...seen].join(', ')}`);
  }
});
