/**
 * Offline verification: check what a node answered against a block header and its commit
 * certificate, trusting only the validator set. The Merkle and state-proof formats these
 * depend on are still being settled, so only the signatures are fixed here for now.
 */
import type { Crypto } from '../protocol/core/crypto.js';
import type { QueryResponse, TransactionProof, ValidatorInfo } from './api-types.js';

export interface VerifyOptions {
  crypto: Crypto;
  chainId: string;
  /** The validator set trusted at the proof's height (from genesis or governance). */
  validators: readonly ValidatorInfo[];
}

export type VerificationResult = { ok: true } | { ok: false; reason: string };

/** Checks that a transaction and its receipt are in a block finalized by the validators. */
export function verifyTransactionProof(
  _proof: TransactionProof,
  _options: VerifyOptions,
): VerificationResult {
  throw new Error('not implemented');
}

/** Checks that a key has the answered value (or none) under a finalized state root. */
export function verifyStateProof(
  _answer: QueryResponse,
  _options: VerifyOptions,
): VerificationResult {
  throw new Error('not implemented');
}
