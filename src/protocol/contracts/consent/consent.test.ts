/**
 * Consent and audit, at the contract level: the scenario from the first record to
 * erasure, revocation and expiry timing, break-glass, and every authorization failure.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toHex } from '../../core/bytes.js';
import type { JsonObject } from '../../core/canonical.js';
import { pureCrypto } from '../../core/crypto.js';
import type { Receipt } from '../../ledger/block.js';
import { transactionHash } from '../../ledger/transaction.js';
import type { Anchor, RecordHead } from '../records/types.js';
import { CLINIC, HealthChain, HOSPITAL, type RecordInput } from './health-chain.js';
import type { AccessEntry, Grant } from './types.js';

const DAY_MS = 24 * 60 * 60 * 1000;

function expectOk(receipt: Receipt): void {
  assert.equal(receipt.name, 'ok', receipt.message);
}

function expectFail(receipt: Receipt, name: string): void {
  assert.equal(receipt.name, name, `expected ${name}, got ${receipt.name}: ${receipt.message}`);
  assert.deepEqual(receipt.events, []);
}

const LAB: RecordInput = {
  id: 'rec-lab-0001',
  patient: 'pt-0001',
  author: 'dr-hospital',
  custodian: HOSPITAL,
  category: 'laboratory',
  resourceType: 'DiagnosticReport',
};
const IMAGING: RecordInput = {
  ...LAB,
  id: 'rec-img-0001',
  category: 'imaging',
  resourceType: 'ImagingStudy',
};

/** A chain with a laboratory and an imaging record of pt-0001, held by the hospital. */
function scenarioChain(): HealthChain {
  const chain = new HealthChain(pureCrypto);
  expectOk(chain.act('dr-hospital', 'records', 'anchorRecord', chain.recordArgs(LAB)));
  expectOk(chain.act('svc-hospital', 'records', 'anchorRecord', chain.recordArgs(IMAGING)));
  return chain;
}

function grantArgs(chain: HealthChain, overrides: Partial<JsonObject> = {}): JsonObject {
  return {
    patient: 'pt-0001',
    granteeKind: 'organization',
    grantee: CLINIC,
    scope: { categories: ['laboratory'] },
    purpose: 'treatment',
    notBefore: chain.time,
    notAfter: chain.time + 30 * DAY_MS,
    ...overrides,
  };
}

function grant(chain: HealthChain, overrides: Partial<JsonObject> = {}): string {
  const call = { module: 'consent', action: 'grantConsent', args: grantArgs(chain, overrides) };
  const { receipt, id } = chain.submit('pt-0001', call);
  expectOk(receipt);
  return id;
}

function access(
  chain: HealthChain,
  basis: { grant: string } | { breakGlass: string },
  overrides: Partial<JsonObject> = {},
): Receipt {
  const args = {
    accessor: 'dr-clinic',
    record: LAB.id,
    version: 1,
    purpose: 'treatment',
    ...basis,
    ...overrides,
  };
  return chain.act('svc-hospital', 'consent', 'recordAccess', args);
}

function check(chain: HealthChain, params: Record<string, string>) {
  const answer = chain.queryRaw('consent', 'check', {
    accessor: 'dr-clinic',
    record: LAB.id,
    purpose: 'treatment',
    time: String(chain.time),
    ...params,
  });
  assert.ok('key' in answer, 'check must answer');
  return answer;
}

function accesses(chain: HealthChain, page = 0): AccessEntry[] {
  const value = chain.query('consent', 'accesses', { patient: 'pt-0001', page: String(page) });
  return (value ?? []) as unknown as AccessEntry[];
}

/** Steps 1-3: refused without a grant; P grants the clinic "laboratory"; one read logged. */
function grantAndRead(chain: HealthChain): string {
  // A clinic clinician has no grant: the check refuses and so does the audit log.
  assert.deepEqual(check(chain, {}), { key: 'consent/refused/consent.no_consent', value: null });
  expectFail(access(chain, { grant: '00'.repeat(32) }), 'consent.grant_not_found');

  // P grants the clinic "laboratory" for 30 days.
  const grantId = grant(chain);
  const stored = chain.query('consent', 'grant', { id: grantId }) as unknown as Grant;
  assert.equal(stored.grantee, CLINIC);
  assert.deepEqual(chain.query('consent', 'grants', { patient: 'pt-0001' }), [grantId]);
  const allowed = check(chain, {});
  assert.equal(allowed.key, `consent/grant/${grantId}`);
  assert.deepEqual(allowed.value, stored);
  assert.equal(check(chain, { record: IMAGING.id }).value, null);
  assert.equal(check(chain, { purpose: 'research' }).value, null);

  // The read of the laboratory record is logged; the imaging one is refused.
  const logged = access(chain, { grant: grantId });
  expectOk(logged);
  assert.equal(logged.events[0]?.type, 'consent.access_recorded');
  assert.equal(logged.events[0]?.attributes.flagged, false);
  expectFail(access(chain, { grant: grantId }, { record: IMAGING.id }), 'consent.scope_mismatch');
  expectFail(
    access(chain, { grant: grantId }, { purpose: 'research' }),
    'consent.purpose_mismatch',
  );
  const log = accesses(chain);
  assert.equal(log.length, 1);
  assert.deepEqual(
    { ...log[0], time: 0, height: 0, transaction: '' },
    {
      kind: 'access',
      accessor: 'dr-clinic',
      organization: CLINIC,
      record: LAB.id,
      version: 1,
      custodian: HOSPITAL,
      purpose: 'treatment',
      basis: 'grant',
      basisId: grantId,
      height: 0,
      time: 0,
      transaction: '',
    },
  );

  return grantId;
}

/** Step 4: P revokes; the next read is refused. Step 5: break-glass, flagged and listed. */
function revokeAndBreakGlass(chain: HealthChain, grantId: string): string {
  expectOk(chain.act('pt-0001', 'consent', 'revokeConsent', { grant: grantId }));
  expectFail(access(chain, { grant: grantId }), 'consent.grant_revoked');
  assert.equal(check(chain, {}).value, null);

  // An emergency physician breaks the glass: flagged to P, listed, reads are flagged.
  const opened = chain.submit('dr-emergency', {
    module: 'consent',
    action: 'breakGlass',
    args: {
      patient: 'pt-0001',
      reason: 'patient-unconscious',
      justificationHash: 'ab'.repeat(32),
      durationMs: 60 * 60 * 1000,
    },
  });
  expectOk(opened.receipt);
  assert.equal(opened.receipt.events[0]?.type, 'consent.break_glass_opened');
  assert.equal(opened.receipt.events[0]?.attributes.flagged, true);
  assert.equal(opened.receipt.events[0]?.attributes.patient, 'pt-0001');
  const emergency = { accessor: 'dr-emergency', record: IMAGING.id };
  assert.equal(check(chain, emergency).key, `consent/break-glass/${opened.id}`);
  const read = access(chain, { breakGlass: opened.id }, emergency);
  expectOk(read);
  assert.equal(read.events[0]?.attributes.flagged, true);
  assert.deepEqual(
    accesses(chain).map((entry) => entry.kind),
    ['access', 'break_glass', 'access'],
  );
  // The break-glass opens access for its opener only.
  expectFail(access(chain, { breakGlass: opened.id }), 'consent.grantee_mismatch');
  return opened.id;
}

/** Step 6: P asks for erasure; reads stop; the custodian confirms; tombstones remain. */
function erase(chain: HealthChain, breakGlassId: string): void {
  const emergency = { accessor: 'dr-emergency', record: IMAGING.id };
  const opened = { id: breakGlassId };
  // P asks for erasure: reads stop at once; the custodian confirms; tombstones remain.
  expectOk(chain.act('pt-0001', 'records', 'requestErasure', { record: IMAGING.id }));
  expectFail(access(chain, { breakGlass: opened.id }, emergency), 'consent.record_erased');
  const confirmed = chain.act('svc-hospital', 'records', 'confirmErasure', {
    record: IMAGING.id,
  });
  expectOk(confirmed);
  assert.equal(confirmed.events[0]?.type, 'records.erasure_confirmed');
  assert.equal(confirmed.events[0]?.attributes.patient, 'pt-0001');
  const tombstone = chain.query('records', 'record', { id: IMAGING.id }) as unknown as RecordHead;
  assert.equal(tombstone.status, 'erased');
  const version = chain.query('records', 'version', { id: IMAGING.id, version: '1' });
  assert.equal((version as unknown as Anchor).erasedAt, chain.height);
  assert.equal((version as unknown as Anchor).contentHash, '01'.repeat(32));
  const receipt = chain.query('records', 'erasure', { record: IMAGING.id }) as JsonObject;
  assert.equal(receipt.status, 'confirmed');
  assert.equal(check(chain, emergency).key, 'consent/refused/consent.record_erased');
  expectFail(access(chain, { breakGlass: opened.id }, emergency), 'consent.record_erased');
}

describe('consent: the scenario of issue 5', () => {
  it('refuses, grants, logs, revokes, breaks glass and erases', () => {
    const chain = scenarioChain();
    const grantId = grantAndRead(chain);
    const breakGlassId = revokeAndBreakGlass(chain, grantId);
    erase(chain, breakGlassId);
  });
});

describe('consent: timing', () => {
  it('a revocation counts from the next block; a read earlier in its block still counts', () => {
    const chain = scenarioChain();
    const grantId = grant(chain);
    const revoke = chain.transaction(chain.signers['pt-0001'], {
      module: 'consent',
      action: 'revokeConsent',
      args: { grant: grantId },
    });
    const read = (nonce: number) =>
      chain.transaction(chain.signers['svc-hospital'], {
        module: 'consent',
        action: 'recordAccess',
        nonce,
        args: {
          accessor: 'dr-clinic',
          record: LAB.id,
          version: 1,
          purpose: 'treatment',
          grant: grantId,
        },
      });
    const nonce = chain.nonce(chain.signers['svc-hospital']);
    // Order inside the block does not matter: both reads see the grant in force.
    const [first, , after] = chain.block([read(nonce), revoke, read(nonce + 1)]).receipts;
    expectOk(first!);
    expectOk(after!);
    expectFail(access(chain, { grant: grantId }), 'consent.grant_revoked');
  });

  it('a grant counts from the next block and until its window closes', () => {
    const chain = scenarioChain();
    const start = chain.time + 10_000;
    const grantTransaction = chain.transaction(chain.signers['pt-0001'], {
      module: 'consent',
      action: 'grantConsent',
      args: grantArgs(chain, { notBefore: start, notAfter: start + DAY_MS }),
    });
    const { receipts } = chain.block([grantTransaction]);
    expectOk(receipts[0]!);
    const grantId = receipts[0]!.events[0]!.attributes.grant as string;
    expectFail(access(chain, { grant: grantId }), 'consent.grant_not_yet_valid');
    chain.time = start + DAY_MS - 2000;
    expectOk(access(chain, { grant: grantId }));
    assert.equal(check(chain, {}).key, `consent/grant/${grantId}`);
    expectFail(access(chain, { grant: grantId }), 'consent.grant_expired');
    assert.equal(check(chain, {}).key, 'consent/refused/consent.no_consent');
    // A break-glass ends with its duration, by consensus time.
    const opened = chain.submit('dr-emergency', {
      module: 'consent',
      action: 'breakGlass',
      args: {
        patient: 'pt-0001',
        reason: 'life-threatening',
        justificationHash: 'cd'.repeat(32),
        durationMs: 60_000,
      },
    });
    expectOk(opened.receipt);
    chain.time += 60_000;
    const emergency = { accessor: 'dr-emergency' };
    expectFail(access(chain, { breakGlass: opened.id }, emergency), 'consent.break_glass_inactive');
  });

  it('a grant made in a block is not in force for other transactions of that block', () => {
    const chain = scenarioChain();
    const made = chain.transaction(chain.signers['pt-0001'], {
      module: 'consent',
      action: 'grantConsent',
      args: grantArgs(chain, { notBefore: 0 }),
    });
    const id = transactionHash(pureCrypto, made);
    const read = chain.transaction(chain.signers['svc-hospital'], {
      module: 'consent',
      action: 'recordAccess',
      args: { accessor: 'dr-clinic', record: LAB.id, version: 1, purpose: 'treatment', grant: id },
    });
    const [granted, refused] = chain.block([made, read]).receipts;
    expectOk(granted!);
    expectFail(refused!, 'consent.grant_not_yet_valid');
    expectOk(access(chain, { grant: id }));
  });

  it('a member grant follows the member; an organization grant covers its members', () => {
    const chain = scenarioChain();
    const forDoctor = grant(chain, { granteeKind: 'member', grantee: 'dr-emergency' });
    expectFail(access(chain, { grant: forDoctor }), 'consent.grantee_mismatch');
    expectOk(access(chain, { grant: forDoctor }, { accessor: 'dr-emergency' }));
    const byRecord = grant(chain, { scope: { recordIds: [IMAGING.id] } });
    expectOk(access(chain, { grant: byRecord }, { record: IMAGING.id }));
    const byType = grant(chain, { scope: { resourceTypes: ['ImagingStudy'] } });
    expectOk(access(chain, { grant: byType }, { record: IMAGING.id }));
    // A deactivated accessor is refused whatever its grants.
    expectOk(chain.act('clinic', 'identity', 'deactivateMember', { member: 'dr-clinic' }));
    expectFail(
      access(chain, { grant: byType }, { record: IMAGING.id }),
      'consent.accessor_inactive',
    );
  });
});

describe('consent: authorization failures', () => {
  it('refuses grants by anyone but the patient, and malformed or empty grants', () => {
    const chain = scenarioChain();
    const args = grantArgs(chain);
    expectFail(chain.act('pt-0002', 'consent', 'grantConsent', args), 'unauthorized');
    expectFail(chain.act('hospital', 'consent', 'grantConsent', args), 'unauthorized');
    expectFail(chain.act('dr-hospital', 'consent', 'grantConsent', args), 'unauthorized');
    const cases: [JsonObject, string][] = [
      [grantArgs(chain, { patient: 'dr-clinic' }), 'consent.patient_not_found'],
      [grantArgs(chain, { grantee: 'org-nowhere' }), 'consent.grantee_not_found'],
      [grantArgs(chain, { granteeKind: 'member', grantee: CLINIC }), 'consent.grantee_not_found'],
      [grantArgs(chain, { notAfter: chain.time - 1, notBefore: 0 }), 'consent.invalid_window'],
      [
        grantArgs(chain, { notAfter: chain.time + 10, notBefore: chain.time + 10 }),
        'consent.invalid_window',
      ],
      [grantArgs(chain, { scope: { recordIds: ['rec-none'] } }), 'consent.record_not_found'],
      [grantArgs(chain, { scope: {} }), 'invalid_arguments'],
      [grantArgs(chain, { scope: { categories: ['oncology'] } }), 'invalid_arguments'],
      [grantArgs(chain, { purpose: 'marketing' }), 'invalid_arguments'],
    ];
    for (const [bad, name] of cases) {
      expectFail(chain.act('pt-0001', 'consent', 'grantConsent', bad), name);
    }
    const theirs = chain.recordArgs({ ...LAB, id: 'rec-pt2-0001', patient: 'pt-0002' });
    expectOk(chain.act('dr-hospital', 'records', 'anchorRecord', theirs));
    const foreign = grantArgs(chain, { scope: { recordIds: ['rec-pt2-0001'] } });
    expectFail(
      chain.act('pt-0001', 'consent', 'grantConsent', foreign),
      'consent.record_not_found',
    );
  });

  it('refuses an audit entry from anyone but the custodian, and foreign revocations', () => {
    const chain = scenarioChain();
    const grantId = grant(chain);
    const args = {
      accessor: 'dr-clinic',
      record: LAB.id,
      version: 1,
      purpose: 'treatment',
      grant: grantId,
    };
    for (const who of ['svc-clinic', 'clinic', 'dr-hospital', 'pt-0001'] as const) {
      expectFail(chain.act(who, 'consent', 'recordAccess', args), 'unauthorized');
    }
    expectOk(chain.act('hospital', 'consent', 'recordAccess', args));
    expectFail(
      chain.act('svc-hospital', 'consent', 'recordAccess', { ...args, version: 2 }),
      'consent.version_not_found',
    );
    const both = { ...args, breakGlass: grantId };
    expectFail(chain.act('svc-hospital', 'consent', 'recordAccess', both), 'invalid_arguments');
    expectFail(
      chain.act('pt-0002', 'consent', 'revokeConsent', { grant: grantId }),
      'unauthorized',
    );
    expectOk(chain.act('pt-0001', 'consent', 'revokeConsent', { grant: grantId }));
    expectFail(
      chain.act('pt-0001', 'consent', 'revokeConsent', { grant: grantId }),
      'consent.grant_revoked',
    );
  });

  it('refuses break-glass without the emergency role, and erasure by others', () => {
    const chain = scenarioChain();
    const args = {
      patient: 'pt-0001',
      reason: 'other-emergency',
      justificationHash: 'ef'.repeat(32),
      durationMs: 60_000,
    };
    expectFail(chain.act('dr-clinic', 'consent', 'breakGlass', args), 'consent.not_emergency');
    expectFail(chain.act('svc-hospital', 'consent', 'breakGlass', args), 'consent.not_emergency');
    expectFail(chain.act('hospital', 'consent', 'breakGlass', args), 'unauthorized');
    const tooLong = { ...args, durationMs: 4 * 60 * 60 * 1000 + 1 };
    expectFail(chain.act('dr-emergency', 'consent', 'breakGlass', tooLong), 'invalid_arguments');
    expectFail(
      chain.act('dr-emergency', 'consent', 'breakGlass', { ...args, patient: 'pt-9999' }),
      'consent.patient_not_found',
    );
    const erase = { record: LAB.id };
    expectFail(chain.act('pt-0002', 'records', 'requestErasure', erase), 'unauthorized');
    expectFail(
      chain.act('svc-hospital', 'records', 'confirmErasure', erase),
      'records.erasure_not_requested',
    );
    expectOk(chain.act('pt-0001', 'records', 'requestErasure', erase));
    expectFail(
      chain.act('pt-0001', 'records', 'requestErasure', erase),
      'records.erasure_requested',
    );
    expectFail(chain.act('svc-clinic', 'records', 'confirmErasure', erase), 'unauthorized');
    const amend = chain.recordArgs({ ...LAB, version: 2 });
    expectFail(chain.act('dr-hospital', 'records', 'amendRecord', amend), 'records.record_erased');
    expectOk(chain.act('hospital', 'records', 'confirmErasure', erase));
    expectFail(chain.act('hospital', 'records', 'confirmErasure', erase), 'records.record_erased');
  });
});

describe('consent: emergency key release [R-CONSENT-5]', () => {
  it('logs a key release only under a break-glass, and shows it in the access log', () => {
    const chain = scenarioChain();
    const opened = chain.submit('dr-emergency', {
      module: 'consent',
      action: 'breakGlass',
      args: {
        patient: 'pt-0001',
        reason: 'patient-unconscious',
        justificationHash: 'cd'.repeat(32),
        durationMs: 60_000,
      },
    });
    expectOk(opened.receipt);
    const args = { accessor: 'dr-emergency', record: LAB.id, version: 1, purpose: 'treatment' };
    const released = chain.act('svc-hospital', 'consent', 'recordAccess', {
      ...args,
      breakGlass: opened.id,
      keyRelease: 'escrow',
    });
    expectOk(released);
    assert.equal(released.events[0]?.attributes.keyRelease, 'escrow');
    assert.equal(released.events[0]?.attributes.flagged, true);
    const plain = chain.act('svc-hospital', 'consent', 'recordAccess', {
      ...args,
      breakGlass: opened.id,
    });
    expectOk(plain);
    assert.equal('keyRelease' in (plain.events[0]?.attributes ?? {}), false);
    const log = accesses(chain).filter((entry) => entry.kind === 'access');
    assert.deepEqual(
      log.map((entry) => (entry.kind === 'access' ? (entry.keyRelease ?? null) : null)),
      ['escrow', null],
    );

    const grantId = grant(chain);
    const underGrant = { ...args, accessor: 'dr-clinic', grant: grantId, keyRelease: 'escrow' };
    expectFail(
      chain.act('svc-hospital', 'consent', 'recordAccess', underGrant),
      'invalid_arguments',
    );
    const unknown = { ...args, breakGlass: opened.id, keyRelease: 'custodian' };
    expectFail(chain.act('svc-hospital', 'consent', 'recordAccess', unknown), 'invalid_arguments');
    // Once the window closes the chain refuses the release like any other read.
    chain.time += 2 * 60_000;
    expectFail(
      chain.act('svc-hospital', 'consent', 'recordAccess', {
        ...args,
        breakGlass: opened.id,
        keyRelease: 'escrow',
      }),
      'consent.break_glass_inactive',
    );
  });
});

describe('consent: determinism', () => {
  it('the same transactions give the same receipts and the same state', () => {
    const run = () => {
      const chain = scenarioChain();
      const grantId = grant(chain);
      const receipts = [
        access(chain, { grant: grantId }),
        access(chain, { grant: toHex(new Uint8Array(32)) }),
      ];
      return { receipts, state: [...chain.state.snapshot()].map(([k, v]) => [k, toHex(v)]) };
    };
    assert.deepEqual(run(), run());
  });
});
