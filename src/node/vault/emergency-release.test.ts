/**
 * Emergency key release over a real contract engine (HealthChain) and the memory vault: the
 * key goes only to an emergency reader with a break-glass in force, only to its own key,
 * only after the chain logged the release; erasure, opt-out and missing escrow refuse.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { HealthChain, HOSPITAL } from '../../protocol/contracts/consent/health-chain.js';
import type { AccessEntry } from '../../protocol/contracts/consent/types.js';
import { namedSigner, publicKeyHex } from '../../protocol/contracts/engine/test-chain.js';
import { toHex } from '../../protocol/core/bytes.js';
import { pureCrypto } from '../../protocol/core/crypto.js';
import { transactionHash } from '../../protocol/ledger/transaction.js';
import { escrowMemberId } from '../../sdk/health.js';
import { type EncryptionKeyPair, generateEncryptionKeyPair } from '../../sdk/keys.js';
import {
  DocumentKey,
  decodeKeyWrap,
  ESCROW_DECLINED,
  encodeKeyWrap,
  unwrapDocumentKey,
  wrapKeyFor,
} from '../../sdk/vault/index.js';
import { createEmergencyEscrow, type EmergencyEscrow } from './emergency-release.js';
import type { MedchainRequester } from './gate.js';
import { MemoryVaultBackend } from './memory-vault-backend.js';

const RECORD = 'rec-lab-0001';
const ESCROW_MEMBER = escrowMemberId(HOSPITAL);

interface World {
  chain: HealthChain;
  backend: MemoryVaultBackend;
  escrow: EmergencyEscrow;
  escrowKey: string;
  documentKey: DocumentKey;
  hash: string;
  /** recordAccess transactions the escrow submitted. */
  audits: number;
}

function bytesStream(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
}

async function makeWorld(): Promise<World> {
  const chain = new HealthChain(pureCrypto);
  const escrowKeys = generateEncryptionKeyPair();
  const escrowKey = toHex(escrowKeys.publicKey);
  const escrowSigner = namedSigner('hospital-escrow');
  const registered = chain.act('hospital', 'identity', 'registerMember', {
    id: ESCROW_MEMBER,
    kind: 'service',
    signingKey: publicKeyHex(escrowSigner),
    encryptionKey: escrowKey,
    roles: [],
  });
  assert.equal(registered.name, 'ok', registered.message);
  const backend = new MemoryVaultBackend();
  const stored = await backend.putObject(bytesStream(new TextEncoder().encode('ciphertext')));
  assert.ok(stored.status === 'stored');
  const anchored = chain.act(
    'dr-hospital',
    'records',
    'anchorRecord',
    chain.recordArgs({
      id: RECORD,
      patient: 'pt-0001',
      author: 'dr-hospital',
      custodian: HOSPITAL,
      category: 'laboratory',
      resourceType: 'DiagnosticReport',
      contentHash: stored.hash,
      sizeBytes: stored.sizeBytes,
    }),
  );
  assert.equal(anchored.name, 'ok', anchored.message);
  let audits = 0;
  const escrow = createEmergencyEscrow({
    organization: HOSPITAL,
    read: (key) => {
      const bytes = chain.state.get(key);
      return bytes === undefined ? undefined : JSON.parse(new TextDecoder().decode(bytes));
    },
    latestTime: () => chain.time,
    escrow: { member: ESCROW_MEMBER, secretKey: escrowKeys.secretKey, publicKey: escrowKey },
    wraps: backend,
    submitAudit: async (args) => {
      audits += 1;
      const transaction = chain.transaction(escrowSigner, {
        module: 'consent',
        action: 'recordAccess',
        args,
      });
      const receipt = chain.block([transaction]).receipts[0]!;
      return { ...receipt, hash: transactionHash(pureCrypto, transaction) };
    },
  });
  return {
    chain,
    backend,
    escrow,
    escrowKey,
    documentKey: DocumentKey.generate(),
    hash: stored.hash,
    get audits() {
      return audits;
    },
  };
}

/** A requester as the real gate authenticates it, with its own X25519 key pair. */
function requester(
  member: string,
  options: { keys?: EncryptionKeyPair; purpose?: 'treatment' | 'research'; version?: number } = {},
): { who: MedchainRequester; keys: EncryptionKeyPair } {
  const keys = options.keys ?? generateEncryptionKeyPair();
  const who: MedchainRequester = {
    id: member,
    principal: {
      publicKey: '00'.repeat(32),
      kind: 'member',
      organization: HOSPITAL,
      member,
      memberKind: 'practitioner',
      roles: [],
      encryptionKey: toHex(keys.publicKey),
      via: 'signature',
    },
    record: RECORD,
    version: options.version ?? 1,
    purpose: options.purpose ?? 'treatment',
  };
  return { who, keys };
}

const binding = (w: World) => ({ recordId: RECORD, version: 1, contentHash: w.hash });

/** What the author's SDK puts in the escrow slot at authoring time. */
async function escrowWrap(w: World): Promise<Uint8Array> {
  const wrap = await wrapKeyFor({
    documentKey: w.documentKey,
    binding: binding(w),
    recipient: Buffer.from(w.escrowKey, 'hex'),
  });
  return encodeKeyWrap(wrap);
}

async function escrowAtAuthoring(w: World): Promise<void> {
  const wrap = await escrowWrap(w);
  const author = requester('dr-hospital').who;
  const decision = await w.escrow.authorizeEscrowWrite({ hash: w.hash, requester: author, wrap });
  assert.equal(decision.ok, true, JSON.stringify(decision));
  assert.equal(
    await w.backend.putKeyWrap({ hash: w.hash, recipient: w.escrowKey }, wrap),
    'stored',
  );
}

function openBreakGlass(w: World, who = 'dr-emergency' as const): string {
  const { receipt, id } = w.chain.submit(who, {
    module: 'consent',
    action: 'breakGlass',
    args: {
      patient: 'pt-0001',
      reason: 'patient-unconscious',
      justificationHash: 'ab'.repeat(32),
      durationMs: 15 * 60_000,
    },
  });
  assert.equal(receipt.name, 'ok', receipt.message);
  return id;
}

function accessLog(w: World): AccessEntry[] {
  const value = w.chain.query('consent', 'accesses', { patient: 'pt-0001', page: '0' });
  return (value ?? []) as unknown as AccessEntry[];
}

async function release(w: World, who: MedchainRequester, recipient?: string) {
  return w.escrow.release({
    hash: w.hash,
    requester: who,
    recipient: recipient ?? who.principal.encryptionKey!,
  });
}

function refusedWith(outcome: { ok: boolean; code?: string }, code: string): void {
  assert.equal(outcome.ok, false, 'the key was released');
  assert.equal(outcome.code, code, JSON.stringify(outcome));
}

describe('emergency key release', () => {
  let w: World;
  beforeEach(async () => {
    w = await makeWorld();
    await escrowAtAuthoring(w);
  });

  it('releases the key to the break-glass reader, logged on chain as a key release', async () => {
    const breakGlass = openBreakGlass(w);
    const { who, keys } = requester('dr-emergency');
    const outcome = await release(w, who);
    assert.ok(outcome.ok, JSON.stringify(outcome));
    assert.equal(outcome.breakGlass, breakGlass);
    assert.match(outcome.audit, /^[0-9a-f]{64}$/);
    const documentKey = await unwrapDocumentKey({
      wrap: decodeKeyWrap(outcome.recipient, outcome.wrap),
      binding: binding(w),
      recipientSecretKey: keys.secretKey,
    });
    assert.deepEqual(documentKey.exportBytes(), w.documentKey.exportBytes());
    const entry = accessLog(w).at(-1);
    assert.ok(entry?.kind === 'access');
    assert.equal(entry.accessor, 'dr-emergency');
    assert.equal(entry.basis, 'break_glass');
    assert.equal(entry.keyRelease, 'escrow');
    assert.equal(entry.transaction, outcome.audit);
    // The escrow key itself never leaves: the slot is unchanged and only the reader opens it.
    const other = generateEncryptionKeyPair();
    await assert.rejects(
      unwrapDocumentKey({
        wrap: decodeKeyWrap(outcome.recipient, outcome.wrap),
        binding: binding(w),
        recipientSecretKey: other.secretKey,
      }),
    );
  });

  it('refuses without a break-glass, and a clinician without the emergency role', async () => {
    refusedWith(await release(w, requester('dr-emergency').who), 'break_glass_required');
    // dr-clinic cannot open a break-glass at all; the escrow finds none and logs nothing.
    const opened = w.chain.submit('dr-clinic', {
      module: 'consent',
      action: 'breakGlass',
      args: {
        patient: 'pt-0001',
        reason: 'other-emergency',
        justificationHash: 'ab'.repeat(32),
        durationMs: 60_000,
      },
    });
    assert.equal(opened.receipt.name, 'consent.not_emergency');
    openBreakGlass(w);
    refusedWith(await release(w, requester('dr-clinic').who), 'break_glass_required');
    assert.equal(w.audits, 0);
    assert.equal(accessLog(w).filter((entry) => entry.kind === 'access').length, 0);
  });

  it('refuses once the break-glass has expired', async () => {
    openBreakGlass(w);
    w.chain.time += 16 * 60_000;
    refusedWith(await release(w, requester('dr-emergency').who), 'break_glass_required');
    assert.equal(w.audits, 0);
  });

  it('releases only to the reader own registered key, for treatment', async () => {
    openBreakGlass(w);
    const { who } = requester('dr-emergency');
    const elsewhere = toHex(generateEncryptionKeyPair().publicKey);
    refusedWith(await release(w, who, elsewhere), 'forbidden');
    refusedWith(await release(w, who, w.escrowKey), 'forbidden');
    const research = requester('dr-emergency', { purpose: 'research' }).who;
    refusedWith(await release(w, research), 'forbidden');
    refusedWith(await release(w, requester('dr-emergency', { version: 2 }).who), 'forbidden');
    const odd = requester('dr-emergency').who;
    odd.record = '../rec-lab-0001';
    refusedWith(await release(w, odd), 'invalid_params');
    assert.equal(w.audits, 0);
  });

  it('refuses an erased record, on chain or in the vault', async () => {
    openBreakGlass(w);
    const erase = w.chain.act('pt-0001', 'records', 'requestErasure', { record: RECORD });
    assert.equal(erase.name, 'ok', erase.message);
    refusedWith(await release(w, requester('dr-emergency').who), 'gone');

    const fresh = await makeWorld();
    await escrowAtAuthoring(fresh);
    openBreakGlass(fresh);
    await fresh.backend.eraseObject(fresh.hash);
    refusedWith(await release(fresh, requester('dr-emergency').who), 'gone');
    assert.equal(w.audits + fresh.audits, 0);
  });

  it('refuses a record whose patient opted out, and one stored without escrow', async () => {
    openBreakGlass(w);
    const patient = requester('pt-0001').who;
    const decline = { hash: w.hash, requester: patient, wrap: ESCROW_DECLINED };
    assert.equal((await w.escrow.authorizeEscrowWrite(decline)).ok, true);
    await w.backend.putKeyWrap({ hash: w.hash, recipient: w.escrowKey }, ESCROW_DECLINED);
    const declined = await release(w, requester('dr-emergency').who);
    refusedWith(declined, 'escrow_declined');
    assert.match(declined.ok ? '' : declined.reason, /ciphertext only/);

    const bare = await makeWorld();
    openBreakGlass(bare);
    refusedWith(await release(bare, requester('dr-emergency').who), 'escrow_unavailable');
    assert.equal(w.audits + bare.audits, 0);
  });
});

describe('the escrow slot', () => {
  it('is set by the author once, then only by the patient, and only to a real wrap', async () => {
    const w = await makeWorld();
    const author = requester('dr-hospital').who;
    const patient = requester('pt-0001').who;
    const stranger = requester('dr-emergency').who;
    const wrap = await escrowWrap(w);
    const write = (who: MedchainRequester, bytes: Uint8Array) =>
      w.escrow.authorizeEscrowWrite({ hash: w.hash, requester: who, wrap: bytes });

    refusedWith(await write(stranger, wrap), 'forbidden');
    refusedWith(await write(author, new Uint8Array(81).fill(1)), 'invalid_params');
    // A wrap for another key does not open with the escrow key.
    const foreign = await wrapKeyFor({
      documentKey: w.documentKey,
      binding: binding(w),
      recipient: generateEncryptionKeyPair().publicKey,
    });
    refusedWith(await write(author, encodeKeyWrap(foreign)), 'invalid_params');
    await escrowAtAuthoring(w);
    refusedWith(await write(author, ESCROW_DECLINED), 'forbidden');
    assert.equal((await write(patient, ESCROW_DECLINED)).ok, true);
    await w.backend.putKeyWrap({ hash: w.hash, recipient: w.escrowKey }, ESCROW_DECLINED);
    refusedWith(await write(author, wrap), 'forbidden');
    // The patient may escrow again (it holds the key and wraps it for the escrow itself).
    assert.equal((await write(patient, wrap)).ok, true);
  });
});
