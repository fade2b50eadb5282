/**
 * The record statement: what an author signs when anchoring a version. It binds the
 * content hash to the record, version, patient and custodian, and also to the resource
 * type, category and size, because consent scopes are decided on the category and type: a
 * custodian's service key must not be able to relabel an author's imaging study as a lab
 * result. The chain id keeps a statement from being replayed on another network.
 *
 *     statementBytes = "medchain:record-anchor:v1\n" ‖ JCS(statement)
 */
import { type Bytes, concatBytes, utf8 } from '../../core/bytes.js';
import { canonicalBytes } from '../../core/canonical.js';
import type { Category, ResourceType } from './types.js';

export const RECORD_STATEMENT_DOMAIN = 'medchain:record-anchor:v1\n';
const DOMAIN_BYTES = utf8(RECORD_STATEMENT_DOMAIN);

export type RecordStatement = {
  chainId: string;
  id: string;
  version: number;
  patient: string;
  custodian: string;
  resourceType: ResourceType;
  category: Category;
  contentHash: string;
  sizeBytes: number;
};

/** The bytes the author's Ed25519 key signs; the SDK and the module share this function. */
export function recordStatementBytes(statement: RecordStatement): Bytes {
  // Copy the fields by name so that a richer object passed in cannot change the bytes.
  return concatBytes(
    DOMAIN_BYTES,
    canonicalBytes({
      chainId: statement.chainId,
      id: statement.id,
      version: statement.version,
      patient: statement.patient,
      custodian: statement.custodian,
      resourceType: statement.resourceType,
      category: statement.category,
      contentHash: statement.contentHash,
      sizeBytes: statement.sizeBytes,
    }),
  );
}
