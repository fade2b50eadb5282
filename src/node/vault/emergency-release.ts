/**
 * Emergency key release (docs/adr/0006-emergency-key-release.md, docs/spec/vault.md §6):
 * the custodian's escrow service gives a break-glass reader the document key, which
 * nobody else can give while the patient is unconscious.
 *
 * At authoring time the SDK also wraps each document key for the organization's escrow key,
 * the X25519 key of its genesis member `<org>-escrow`. That wrap sits in the vault like any
 * other; the escrow secret key lives in its own keystore outside the vault directory, so the
 * vault's storage alone still opens nothing. On a release the service
 *
 * 1. checks the request: a member asking for its own registered encryption key, naming a
 *    version of a record this organization holds, for treatment;
 * 2. decides over committed state with the chain's own rule (decideAccess, break-glass
 *    basis: the accessor's latest break-glass for the patient, in force at the latest
 *    header time), refusing erased records and opted-out or unescrowed versions;
 * 3. opens the escrow wrap in memory (so a broken wrap is never logged as a release);
 * 4. submits `consent.recordAccess { ..., breakGlass, keyRelease: 'escrow' }` signed by the
 *    escrow member and waits for an ok receipt: the chain re-decides at its block, and the
 *    patient's access log shows the release, flagged;
 * 5. only then wraps the key for the reader (HPKE info bound to record, version, hash and
 *    reader as always) and answers with that wrap. It stores nothing: a release is per
 *    request, and each one is on chain.
 *
 * The escrow slot of a version (the key wrap addressed to the escrow key) is written by the
 * author once, at authoring, and afterwards only by the patient: with ESCROW_DECLINED to
 * opt out, or with a fresh wrap to opt back in.
 */

import { decideAccess } from '../../protocol/contracts/consent/decide-access.js';
import type { RecordAccessParams } from '../../protocol/contracts/consent/record-access.js';
import { loadBreakGlass, loadPatientBreakGlass } from '../../protocol/contracts/consent/state.js';
import type { StateRead } from '../../protocol/contracts/engine/module.js';
import { ID_PATTERN } from '../../protocol/contracts/identity/fields.js';
import { activeMember } from '../../protocol/contracts/records/authorize.js';
import { loadRecord, loadVersion } from '../../protocol/contracts/records/state.js';
import type { Anchor, RecordHead } from '../../protocol/contracts/records/types.js';
import { fromHex, isHex } from '../../protocol/core/bytes.js';
import {
  type DocumentKey,
  decodeKeyWrap,
  encodeKeyWrap,
  isEscrowDeclined,
  KEY_WRAP_BYTES,
  unwrapDocumentKey,
  wrapKeyFor,
} from '../../sdk/vault/index.js';
import type { AuditReceipt, MedchainRequester } from './gate.js';
import type { VaultBackend } from './vault-backend.js';
import type { Requester } from './vault-gate.js';

/** The stable problem codes a refusal maps to (src/node/api/problem.ts). */
export type EscrowRefusalCode =
  | 'forbidden'
  | 'gone'
  | 'invalid_params'
  | 'break_glass_required'
  | 'escrow_declined'
  | 'escrow_unavailable'
  | 'mempool_full'
  | 'timeout';

export type EscrowRefusal = { ok: false; code: EscrowRefusalCode; reason: string };

export interface EmergencyRelease {
  ok: true;
  record: string;
  version: number;
  /** The reader's X25519 key the wrap is for (hex). */
  recipient: string;
  /** The 81-byte wrap of the document key for the reader (docs/spec/vault.md §2). */
  wrap: Uint8Array<ArrayBuffer>;
  breakGlass: string;
  /** When the break-glass closes (consensus time, ms). */
  notAfter: number;
  /** Hash of the recordAccess transaction that logged the release. */
  audit: string;
}

export interface EscrowKey {
  /** The genesis member whose encryption key this is (`<org>-escrow`). */
  member: string;
  secretKey: Uint8Array;
  /** Lowercase hex: also the recipient address of the escrow slot in the vault. */
  publicKey: string;
}

export interface EmergencyEscrowDependencies {
  /** This vault's custodian organization. */
  organization: string;
  /** Committed state at the latest height. */
  read: StateRead;
  /** Consensus time of the latest committed header. */
  latestTime(): number;
  escrow: EscrowKey;
  wraps: Pick<VaultBackend, 'getKeyWrap'>;
  /** Signs recordAccess with the escrow member's key, submits it and waits for the commit. */
  submitAudit(args: RecordAccessParams): Promise<AuditReceipt & { hash: string }>;
}

export interface EmergencyEscrow {
  /** The escrow key (hex): the vault address of every document's escrow slot. */
  readonly recipient: string;
  release(params: {
    hash: string;
    requester: Requester;
    recipient: string;
  }): Promise<EmergencyRelease | EscrowRefusal>;
  /** Whether this requester may put these bytes into the escrow slot of `hash`. */
  authorizeEscrowWrite(params: {
    hash: string;
    requester: Requester;
    wrap: Uint8Array;
  }): Promise<{ ok: true; reason: string } | EscrowRefusal>;
}

const refuse = (code: EscrowRefusalCode, reason: string): EscrowRefusal => ({
  ok: false,
  code,
  reason,
});

const CIPHERTEXT_ONLY = 'break-glass gives the ciphertext only';

export function createEmergencyEscrow(deps: EmergencyEscrowDependencies): EmergencyEscrow {
  const { escrow } = deps;
  if (!isHex(escrow.publicKey, 32) || escrow.secretKey.length !== 32) {
    throw new TypeError('emergency escrow: the escrow key pair is malformed');
  }

  const anchorFor = (hash: string, who: MedchainRequester) => {
    const { record, version } = who;
    if (record === undefined || version === undefined) {
      return refuse('forbidden', 'name the record with x-medchain-record and x-medchain-version');
    }
    // The header reaches state keys directly here, so it gets the chain's own id check.
    if (!ID_PATTERN.test(record)) {
      return refuse('invalid_params', 'x-medchain-record is not a record id');
    }
    const head = loadRecord(deps.read, record);
    const anchor = head === undefined ? undefined : loadVersion(deps.read, record, version);
    if (head === undefined || anchor === undefined || anchor.contentHash !== hash) {
      return refuse('forbidden', 'no such record version with this content hash');
    }
    if (anchor.custodian !== deps.organization) {
      return refuse('forbidden', `this record is held by ${anchor.custodian}`);
    }
    if (head.status !== 'active' || anchor.erasedAt !== null) {
      return refuse('gone', `record ${head.id} is ${head.status}`);
    }
    return { ok: true as const, head, anchor };
  };

  const openEscrowWrap = async (
    anchor: Anchor,
    bytes: Uint8Array,
  ): Promise<DocumentKey | undefined> => {
    try {
      return await unwrapDocumentKey({
        wrap: decodeKeyWrap(escrow.publicKey, bytes),
        binding: { recordId: anchor.id, version: anchor.version, contentHash: anchor.contentHash },
        recipientSecretKey: escrow.secretKey,
      });
    } catch {
      return undefined;
    }
  };

  /** The escrow member must still be this organization's, active and holding this key. */
  const escrowOnChain = (): boolean => {
    const found = activeMember({ get: deps.read }, escrow.member);
    return (
      typeof found === 'object' &&
      found.organization.id === deps.organization &&
      found.member.kind === 'service' &&
      found.member.encryptionKey === escrow.publicKey
    );
  };

  return {
    recipient: escrow.publicKey,

    async release({ hash, requester, recipient }) {
      const who = requester as MedchainRequester;
      const member = who.principal.member;
      if (who.principal.kind !== 'member' || member === undefined) {
        return refuse('forbidden', 'only a member opens emergency access');
      }
      if (recipient !== who.principal.encryptionKey) {
        return refuse('forbidden', 'a key is released only to your own registered encryption key');
      }
      if (who.purpose !== 'treatment') {
        return refuse('forbidden', 'emergency access is for treatment only');
      }
      const found = anchorFor(hash, who);
      if (!found.ok) {
        return found;
      }
      const basis = breakGlassBasis(deps, { member, head: found.head, anchor: found.anchor });
      if (!basis.ok) {
        return basis;
      }
      if (!escrowOnChain()) {
        return refuse('escrow_unavailable', `the escrow of ${deps.organization} is not active`);
      }
      const stored = await deps.wraps.getKeyWrap({ hash, recipient: escrow.publicKey });
      if (stored.status === 'gone') {
        return refuse('gone', 'this object was erased');
      }
      if (stored.status === 'missing') {
        return refuse(
          'escrow_unavailable',
          `no emergency key is held for this version: ${CIPHERTEXT_ONLY}`,
        );
      }
      if (isEscrowDeclined(stored.wrap)) {
        return refuse(
          'escrow_declined',
          `the patient declined emergency key escrow for this record: ${CIPHERTEXT_ONLY}`,
        );
      }
      // Open before logging: a release that cannot happen must not appear as one.
      const documentKey = await openEscrowWrap(found.anchor, stored.wrap);
      if (documentKey === undefined) {
        return refuse('escrow_unavailable', `the escrow wrap does not open: ${CIPHERTEXT_ONLY}`);
      }
      const receipt = await deps.submitAudit({
        accessor: member,
        record: found.anchor.id,
        version: found.anchor.version,
        purpose: 'treatment',
        breakGlass: basis.id,
        keyRelease: 'escrow',
      });
      if (receipt.code !== 0) {
        return auditRefusal(receipt);
      }
      const binding = {
        recordId: found.anchor.id,
        version: found.anchor.version,
        contentHash: found.anchor.contentHash,
      };
      const wrap = await wrapKeyFor({ documentKey, binding, recipient: fromHex(recipient) });
      return {
        ok: true,
        record: found.anchor.id,
        version: found.anchor.version,
        recipient,
        wrap: encodeKeyWrap(wrap),
        breakGlass: basis.id,
        notAfter: basis.notAfter,
        audit: receipt.hash,
      };
    },

    async authorizeEscrowWrite({ hash, requester, wrap }) {
      const who = requester as MedchainRequester;
      const member = who.principal.member;
      const found = anchorFor(hash, who);
      if (!found.ok) {
        return found;
      }
      const isPatient = member !== undefined && member === found.head.patient;
      const isAuthor = member !== undefined && member === found.anchor.author;
      if (!isPatient && !isAuthor) {
        return refuse('forbidden', 'only the patient or the author writes the escrow slot');
      }
      if (!isPatient) {
        // The author escrows once, at authoring; after that the choice is the patient's.
        const existing = await deps.wraps.getKeyWrap({ hash, recipient: escrow.publicKey });
        if (existing.status !== 'missing') {
          return refuse('forbidden', 'the escrow slot is set; only the patient changes it');
        }
      }
      if (isEscrowDeclined(wrap)) {
        return {
          ok: true,
          reason: isPatient ? 'patient declined escrow' : 'declined at authoring',
        };
      }
      if (
        wrap.length !== KEY_WRAP_BYTES ||
        (await openEscrowWrap(found.anchor, wrap)) === undefined
      ) {
        return refuse('invalid_params', 'not a key wrap for this escrow key and record version');
      }
      return { ok: true, reason: isPatient ? 'patient escrowed' : 'escrowed at authoring' };
    },
  };
}

/** The accessor's latest break-glass for the patient, in force by the chain's own rule. */
function breakGlassBasis(
  deps: EmergencyEscrowDependencies,
  params: { member: string; head: RecordHead; anchor: Anchor },
): { ok: true; id: string; notAfter: number } | EscrowRefusal {
  const { member, head, anchor } = params;
  const id = loadPatientBreakGlass(deps.read, { patient: head.patient, accessor: member });
  if (id === undefined) {
    return refuse('break_glass_required', `${member} has opened no break-glass for this patient`);
  }
  const decision = decideAccess(
    deps.read,
    {
      accessor: member,
      record: anchor.id,
      version: anchor.version,
      purpose: 'treatment',
      basis: { kind: 'break_glass', id },
    },
    { height: 'committed', time: deps.latestTime() },
  );
  if (!decision.allowed) {
    const erased = decision.result.name === 'consent.record_erased';
    return refuse(erased ? 'gone' : 'break_glass_required', decision.message);
  }
  return { ok: true, id, notAfter: loadBreakGlass(deps.read, id)?.notAfter ?? 0 };
}

function auditRefusal(receipt: AuditReceipt): EscrowRefusal {
  const reason = `the release was not recorded: ${receipt.name}`;
  if (receipt.name === 'consent.record_erased') {
    return refuse('gone', reason);
  }
  if (receipt.name.startsWith('consent.')) {
    return refuse('break_glass_required', reason);
  }
  // Not a decision about the reader: the audit could not be submitted or did not commit.
  if (receipt.name === 'timeout' || receipt.name === 'mempool_full') {
    return refuse(receipt.name, reason);
  }
  return refuse('forbidden', reason);
}
