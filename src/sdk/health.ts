/**
 * Typed transaction calls for health records and consent, and the two things a client
 * must compute before it submits one: the author's signature over a record statement and
 * the salted commitment to a break-glass justification. Grant, break-glass and erasure
 * request ids are transaction hashes, so `transactionId` gives them before submission.
 */
import type { BreakGlassParams } from '../protocol/contracts/consent/break-glass.js';
import type { GrantConsentParams } from '../protocol/contracts/consent/grant-consent.js';
import type { RecordAccessParams } from '../protocol/contracts/consent/record-access.js';
import type { RevokeConsentParams } from '../protocol/contracts/consent/revoke-consent.js';
import type { AmendRecordParams } from '../protocol/contracts/records/amend-record.js';
import type { AnchorRecordParams } from '../protocol/contracts/records/anchor-record.js';
import type {
  ConfirmErasureParams,
  RequestErasureParams,
} from '../protocol/contracts/records/erasure.js';
import type {
  LinkDeviceParams,
  UnlinkDeviceParams,
} from '../protocol/contracts/records/link-device.js';
import {
  type RecordStatement,
  recordStatementBytes,
} from '../protocol/contracts/records/statement.js';
import { type Bytes, concatBytes, toHex, utf8 } from '../protocol/core/bytes.js';
import type { Crypto, Signer } from '../protocol/core/crypto.js';
import { type Transaction, transactionHash } from '../protocol/ledger/transaction.js';
import { call } from './transactions.js';

export type { RecordStatement } from '../protocol/contracts/records/statement.js';
export { recordStatementBytes } from '../protocol/contracts/records/statement.js';

/** Typed shorthands for the records module's actions. */
export const records = {
  anchorRecord: call<AnchorRecordParams>('records', 'anchorRecord'),
  amendRecord: call<AmendRecordParams>('records', 'amendRecord'),
  linkDevice: call<LinkDeviceParams>('records', 'linkDevice'),
  unlinkDevice: call<UnlinkDeviceParams>('records', 'unlinkDevice'),
  requestErasure: call<RequestErasureParams>('records', 'requestErasure'),
  confirmErasure: call<ConfirmErasureParams>('records', 'confirmErasure'),
} as const;

/** Typed shorthands for the consent and audit module's actions. */
export const consent = {
  grantConsent: call<GrantConsentParams>('consent', 'grantConsent'),
  revokeConsent: call<RevokeConsentParams>('consent', 'revokeConsent'),
  breakGlass: call<BreakGlassParams>('consent', 'breakGlass'),
  recordAccess: call<RecordAccessParams>('consent', 'recordAccess'),
} as const;

/** The author's signature (hex) over a record statement, for anchorRecord/amendRecord. */
export function signRecordStatement(author: Signer, statement: RecordStatement): string {
  return toHex(author.sign(recordStatementBytes(statement)));
}

/**
 * The commitment a break-glass carries instead of its written justification: SHA-256 of
 * a 16-byte (or longer) random salt followed by the UTF-8 text. The salt stops anyone
 * from confirming a guessed justification; the organization keeps both salt and text.
 */
export function justificationCommitment(
  crypto: Crypto,
  input: { salt: Bytes; text: string },
): string {
  if (input.salt.length < 16) {
    throw new RangeError('the justification salt must be at least 16 random bytes');
  }
  return toHex(crypto.sha256(concatBytes(input.salt, utf8(input.text))));
}

/** The id a grant, break-glass or erasure request will have: its transaction's hash. */
export function transactionId(crypto: Crypto, transaction: Transaction): string {
  return transactionHash(crypto, transaction);
}

/**
 * The member id of an organization's emergency escrow service: a genesis member of kind
 * `service` whose X25519 key is the escrow key document keys are also wrapped for, so the
 * custodian can release a key to a break-glass reader (docs/adr/0006-emergency-key-release.md).
 */
export function escrowMemberId(organization: string): string {
  return `${organization}-escrow`;
}
