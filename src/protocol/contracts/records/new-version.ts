/**
 * What anchoring and amending share: check the author, build the version, verify the
 * author's signature over it, and write it with the record head. The signature check
 * comes last because it is the costliest check and the cheap ones reject most mistakes.
 */
import type { Crypto } from '../../core/crypto.js';
import { type ActionContext, failure } from '../engine/module.js';
import { type Checked, checkAuthor } from './authorize.js';
import {
  category,
  contentHash,
  locator,
  memberId,
  recordId,
  resourceType,
  signature,
  sizeBytes,
} from './fields.js';
import { RECORDS_RESULTS } from './results.js';
import { saveRecord, saveVersion } from './state.js';
import type { Anchor, Category, RecordHead, ResourceType } from './types.js';
import { chainIdOf, verifyStatement } from './verify.js';

export type VersionFields = {
  id: string;
  resourceType: ResourceType;
  category: Category;
  contentHash: string;
  sizeBytes: number;
  locator: string;
  author: string;
  signature: string;
};

/** The argument shapes of the fields every version carries, shared by anchor and amend. */
export const VERSION_FIELD_SHAPES = {
  id: recordId,
  resourceType,
  category,
  contentHash,
  sizeBytes,
  locator,
  author: memberId,
  signature,
};

export function checkNewVersion(
  crypto: Crypto,
  context: ActionContext,
  input: { fields: VersionFields; patient: string; version: number; custodian?: string },
): Checked<Anchor> {
  const { fields, patient, version } = input;
  const author = checkAuthor(context, { ...fields, patient });
  if (!author.ok) {
    return author;
  }
  const custodian = author.value.organization.id;
  if (input.custodian !== undefined && input.custodian !== custodian) {
    const message = `only ${input.custodian} amends this record (it holds the ciphertext)`;
    return failure(RECORDS_RESULTS.custodian_mismatch, message);
  }
  const anchor: Anchor = {
    id: fields.id,
    version,
    previousVersion: version === 1 ? null : version - 1,
    patient,
    resourceType: fields.resourceType,
    category: fields.category,
    contentHash: fields.contentHash,
    sizeBytes: fields.sizeBytes,
    custodian,
    locator: fields.locator,
    author: fields.author,
    authorKey: author.value.member.signingKey,
    signature: fields.signature,
    anchoredAt: context.height,
    anchoredTime: context.time,
    erasedAt: null,
  };
  const signed = {
    statement: { ...anchor, chainId: chainIdOf(context.get) },
    signature: fields.signature,
    publicKey: anchor.authorKey,
  };
  if (!verifyStatement(crypto, signed)) {
    return failure(RECORDS_RESULTS.bad_signature, 'the author signature does not verify');
  }
  return { ok: true, value: anchor };
}

/** Writes a checked version and the head that points at it. */
export function saveNewVersion(context: ActionContext, anchor: Anchor): void {
  const head: RecordHead = {
    id: anchor.id,
    patient: anchor.patient,
    custodian: anchor.custodian,
    versions: anchor.version,
    status: 'active',
    latest: anchor,
  };
  saveVersion(context, anchor);
  saveRecord(context, head);
  context.emit('record_anchored', {
    record: anchor.id,
    version: anchor.version,
    patient: anchor.patient,
    custodian: anchor.custodian,
    author: anchor.author,
    category: anchor.category,
    resourceType: anchor.resourceType,
  });
}
