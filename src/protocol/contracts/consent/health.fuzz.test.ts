/**
 * Property: any sequence of records and consent transactions, valid or not, executes
 * without an exception; a failed transaction changes no state but its signer's nonce;
 * the same sequence run twice gives the same state. Seed with FUZZ_SEED, size with
 * FUZZ_RUNS.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { toHex } from '../../core/bytes.js';
import type { JsonObject } from '../../core/canonical.js';
import { pureCrypto } from '../../core/crypto.js';
import { nonceKey } from '../engine/keys.js';
import { namedSigner, publicKeyHex } from '../engine/test-chain.js';
import { CLINIC, HealthChain, type HealthMemberId, HOSPITAL } from './health-chain.js';

type Who = Parameters<HealthChain['act']>[0];

const RECORDS = ['rec-a', 'rec-b', 'rec-c'];
const PATIENTS = ['pt-0001', 'pt-0002'] as const;
const AUTHORS = ['dr-hospital', 'dr-clinic', 'dr-emergency', 'nurse-admin', 'dev-bp-0001'] as const;
const CATEGORIES = ['laboratory', 'imaging', 'vital-signs'] as const;
const TYPES = ['Observation', 'ImagingStudy'] as const;
const SUBMITTERS = ['svc-hospital', 'svc-clinic', 'hospital', 'pt-0001', 'pt-0002'] as const;

const CUSTODIAN: Record<string, string> = { 'dr-clinic': CLINIC };

type Step = { kind: string; pick: number[]; who: Who };

const pick = fc.array(fc.nat({ max: 1000 }), { minLength: 6, maxLength: 6 });
const step: fc.Arbitrary<Step> = fc.record({
  kind: fc.constantFrom(
    'anchor',
    'anchor',
    'amend',
    'link',
    'unlink',
    'grant',
    'grant',
    'revoke',
    'breakGlass',
    'access',
    'access',
    'access',
    'requestErasure',
    'confirmErasure',
  ),
  pick,
  who: fc.constantFrom<Who>(...SUBMITTERS, ...AUTHORS),
});

function of<T>(items: readonly T[], index: number): T {
  return items[index % items.length]!;
}

type Call = { who: Who; action: string; module: string; args: JsonObject };
type Picks = { a: number; b: number; c: number; d: number; e: number; f: number; seen: string };

function recordCall(chain: HealthChain, s: Step, p: Picks): Call {
  const author = of(AUTHORS, p.a) as HealthMemberId;
  const args = chain.recordArgs({
    id: of(RECORDS, p.b),
    patient: of(PATIENTS, p.c),
    author,
    custodian: CUSTODIAN[author] ?? HOSPITAL,
    category: of(CATEGORIES, p.d),
    resourceType: of(TYPES, p.e),
    version: s.kind === 'anchor' ? 1 : 2 + (p.e % 2),
    ...(p.f % 7 === 0 ? { signer: namedSigner('mallory') } : {}),
  });
  const action = s.kind === 'anchor' ? 'anchorRecord' : 'amendRecord';
  return { who: p.e % 2 === 0 ? author : s.who, module: 'records', action, args };
}

function grantCall(chain: HealthChain, p: Picks): Call {
  const scopes = [
    { categories: [of(CATEGORIES, p.a)] },
    { recordIds: [of(RECORDS, p.b)] },
    { resourceTypes: ['Observation'] },
  ];
  const args = {
    patient: of(PATIENTS, p.c + (p.a % 5 === 0 ? 1 : 0)),
    granteeKind: of(['organization', 'member'], p.d),
    grantee: p.d % 2 === 0 ? CLINIC : of(['dr-clinic', 'dr-emergency'], p.e),
    scope: of(scopes, p.b),
    purpose: p.f % 6 === 0 ? 'research' : 'treatment',
    notBefore: chain.time - 1000,
    notAfter: chain.time + (1 + (p.e % 4)) * 20_000,
  };
  return { who: of(PATIENTS, p.c), module: 'consent', action: 'grantConsent', args };
}

function accessCall(p: Picks): Call {
  const args = {
    accessor: of(['dr-clinic', 'dr-clinic', 'dr-emergency', 'dr-hospital'], p.a),
    record: of(RECORDS, p.b),
    version: p.e % 4 === 0 ? 2 : 1,
    purpose: p.c % 6 === 0 ? 'research' : 'treatment',
    ...(p.d % 3 === 0 ? { breakGlass: p.seen } : { grant: p.seen }),
  };
  const who = of(['svc-hospital', 'svc-hospital', 'svc-clinic', 'hospital'] as const, p.f);
  return { who, module: 'consent', action: 'recordAccess', args };
}

/** Builds a call from a step, using ids seen so far so that many calls can succeed. */
function build(chain: HealthChain, s: Step, ids: string[]): Call {
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0] = s.pick;
  const fresh = ids.length === 0 || f % 5 === 0;
  const seen = fresh ? toHex(new Uint8Array(32).fill(f % 256)) : of(ids, f);
  const p: Picks = { a, b, c, d, e, f, seen };
  const patient = of(PATIENTS, c);
  switch (s.kind) {
    case 'anchor':
    case 'amend':
      return recordCall(chain, s, p);
    case 'link':
    case 'unlink': {
      const args = { device: of(['dev-bp-0001', 'dr-clinic'], d) };
      return { who: patient, module: 'records', action: `${s.kind}Device`, args };
    }
    case 'grant':
      return grantCall(chain, p);
    case 'revoke':
      return { who: patient, module: 'consent', action: 'revokeConsent', args: { grant: seen } };
    case 'breakGlass': {
      const args = {
        patient,
        reason: 'life-threatening',
        justificationHash: '11'.repeat(32),
        durationMs: 60_000,
      };
      const who = of(['dr-emergency', 'dr-clinic'] as const, a);
      return { who, module: 'consent', action: 'breakGlass', args };
    }
    case 'access':
      return accessCall(p);
    default: {
      const who = s.kind === 'requestErasure' ? patient : of(['svc-hospital', 'svc-clinic'], c);
      return {
        who: who as Who,
        module: 'records',
        action: s.kind,
        args: { record: of(RECORDS, b) },
      };
    }
  }
}

function snapshotHex(chain: HealthChain): Map<string, string> {
  return new Map([...chain.state.snapshot()].map(([key, value]) => [key, toHex(value)]));
}

function runSteps(steps: Step[], seen: Set<string>): Map<string, string> {
  const chain = new HealthChain(pureCrypto);
  const ids: string[] = [];
  // Two records always exist, one per patient, so that random accesses can reach consent.
  for (const [id, patient] of [
    ['rec-a', 'pt-0001'],
    ['rec-b', 'pt-0002'],
  ] as const) {
    const args = chain.recordArgs({
      id,
      patient,
      author: 'dr-hospital',
      custodian: HOSPITAL,
      category: 'laboratory',
      resourceType: 'Observation',
    });
    assert.equal(chain.act('dr-hospital', 'records', 'anchorRecord', args).name, 'ok');
  }
  for (const s of steps) {
    const call = build(chain, s, ids);
    const signer = chain.signerOf(call.who);
    const before = snapshotHex(chain);
    const { receipt, id } = chain.submit(call.who, call);
    seen.add(receipt.name);
    for (const event of receipt.events) {
      seen.add(event.type);
    }
    if (receipt.code === 0 && (call.action === 'grantConsent' || call.action === 'breakGlass')) {
      ids.push(id);
    }
    if (receipt.code !== 0) {
      const after = snapshotHex(chain);
      const spent = nonceKey(publicKeyHex(signer));
      before.delete(spent);
      after.delete(spent);
      assert.deepEqual(after, before, `${receipt.name} changed state`);
      assert.deepEqual(receipt.events, []);
    }
  }
  return snapshotHex(chain);
}

it('records and consent: random transactions never throw; failures change only the nonce', () => {
  const seed = process.env.FUZZ_SEED === undefined ? 20240605 : Number(process.env.FUZZ_SEED);
  const numRuns = process.env.FUZZ_RUNS === undefined ? 20 : Number(process.env.FUZZ_RUNS);
  const seen = new Set<string>();
  fc.assert(
    fc.property(fc.array(step, { minLength: 20, maxLength: 40 }), (steps) => {
      const first = runSteps(steps, seen);
      assert.deepEqual(runSteps(steps, new Set()), first, 'the same steps diverged');
    }),
    { seed, numRuns },
  );
  // Guard against a vacuous run: successes and rejections of both modules occurred.
  const expected = [
    'ok',
    'unauthorized',
    'records.bad_signature',
    'consent.scope_mismatch',
    'consent.access_recorded',
    'records.erasure_confirmed',
  ];
  for (const name of expected) {
    assert.ok(seen.has(name), `the generator never produced ${name}: ${[...seen].join(', ')}`);
  }
  assert.ok([...seen].filter((name) => name.startsWith('consent.')).length >= 4, [...seen].join());
});
