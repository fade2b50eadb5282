/** Genesis: strict validation with field-naming messages, a stable hash, the demo network. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEngine } from '../contracts/engine/create-engine.js';
import { demoTestNetwork } from '../contracts/engine/test-chain.js';
import { toHex } from '../core/bytes.js';
import { pureCrypto } from '../core/crypto.js';
import { decodeGenesis } from './decode.js';
import { GenesisError } from './errors.js';
import { genesisHash } from './hash.js';
import type { Genesis } from './types.js';

// biome-ignore lint/suspicious/noExplicitAny: the cases break the file in arbitrary ways
type Loose = Record<string, any>;

function withChange(change: (genesis: Loose) => void): unknown {
  const genesis = structuredClone(demoTestNetwork().genesis) as Loose;
  change(genesis);
  return genesis;
}

describe('genesis: validation', () => {
  it('accepts the demo network', () => {
    const decoded = decodeGenesis(demoTestNetwork().genesis);
    assert.equal(decoded.ok, true);
    assert.equal((decoded as { value: Genesis }).value.organizations.length, 4);
  });

  it('names the field of every problem', () => {
    const cases: [(genesis: Loose) => void, string, RegExp][] = [
      [(g) => (g.extra = 1), 'extra', /unknown field/],
      [(g) => (g.chainId = 'Bad Chain'), 'chainId', /chainId must be/],
      [(g) => (g.genesisTime = 1.5), 'genesisTime', /integer/],
      [(g) => delete g.appVersion, 'appVersion', /required/],
      [(g) => (g.consensus.blockTimeMs = 0), 'consensus.blockTimeMs', /from 1/],
      [(g) => (g.consensus.speed = 1), 'consensus.speed', /unknown field/],
      [(g) => (g.organizations = []), 'organizations', /at least one organization/],
      [(g) => (g.organizations[1].role = 'bank'), 'organizations[1].role', /one of/],
      [(g) => (g.organizations[2].adminKey = 'AB'), 'organizations[2].adminKey', /Ed25519/],
      [(g) => (g.organizations[1].id = g.organizations[0].id), 'organizations[1].id', /repeats/],
      [
        (g) => (g.organizations[1].adminKey = g.organizations[0].validatorKey),
        'organizations[1].adminKey',
        /repeats a key/,
      ],
      [
        (g) => {
          for (const organization of g.organizations) {
            delete organization.validatorKey;
          }
        },
        'organizations',
        /validatorKey/,
      ],
      [
        (g) =>
          (g.organizations[0].members = [
            {
              id: 'pt-1',
              kind: 'patient',
              signingKey: '55'.repeat(32),
              encryptionKey: '66'.repeat(32),
              displayName: 'Jane Doe',
            },
          ]),
        'organizations[0].members[0].displayName',
        /no name/,
      ],
    ];
    for (const [change, field, message] of cases) {
      const decoded = decodeGenesis(withChange(change));
      assert.equal(decoded.ok, false, field);
      if (!decoded.ok) {
        assert.equal(decoded.field, field);
        assert.match(decoded.message, message);
      }
    }
  });
});

describe('genesis: hash and state', () => {
  it('hashes the canonical form, independent of key order and whitespace', () => {
    const genesis = demoTestNetwork().genesis;
    const text = JSON.stringify(genesis, null, 2);
    assert.equal(genesisHash(pureCrypto, genesis), genesisHash(pureCrypto, JSON.parse(text)));
    assert.equal(genesisHash(pureCrypto, genesis).length, 64);
    assert.notEqual(
      genesisHash(pureCrypto, genesis),
      genesisHash(pureCrypto, { ...genesis, chainId: 'other' }),
    );
  });

  it('produces the same height-0 state every time, with members', () => {
    const withMember = withChange((g) => {
      g.organizations[0].members = [
        {
          id: 'dr-zed',
          kind: 'practitioner',
          signingKey: '77'.repeat(32),
          encryptionKey: '88'.repeat(32),
          roles: ['clinician'],
          displayName: 'Dr. Zed',
        },
      ];
    });
    const encode = () =>
      [...createEngine(pureCrypto).genesisWrites(withMember)].map(([key, value]) => [
        key,
        value === null ? null : toHex(value),
      ]);
    const first = encode();
    assert.deepEqual(first, encode());
    const keys = first.map(([key]) => key as string);
    assert.deepEqual(keys, [...keys].sort());
    assert.ok(keys.includes('identity/member/dr-zed'));
    assert.ok(keys.includes(`identity/key/${'77'.repeat(32)}`));
    assert.ok(keys.includes('engine/params'));
  });

  it('refuses an invalid genesis with a GenesisError', () => {
    const engine = createEngine(pureCrypto);
    assert.throws(
      () => engine.genesisWrites(withChange((g) => (g.chainId = ''))),
      (error: unknown) => error instanceof GenesisError && error.field === 'chainId',
    );
  });
});
