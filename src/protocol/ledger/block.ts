/**
 * Blocks, headers, receipts and commit certificates. See docs/spec/block.md.
 */
import type { JsonValue } from '../core/canonical.js';
import type { Crypto } from '../core/crypto.js';
import { type Hash, hashOf } from '../core/hash.js';
import type { Transaction } from './transaction.js';

export interface BlockHeader {
  chainId: string;
  height: number;
  /** Consensus time in milliseconds since the Unix epoch; never decreases. */
  time: number;
  /** Hash of the previous block's header; for height 1, the genesis hash. */
  previousHash: string;
  /** RFC 6962 root over transaction leaves (hash ‖ signature). */
  transactionsRoot: string;
  /** RFC 6962 root over the canonical receipts, in transaction order. */
  resultsRoot: string;
  /** Root of the authenticated world state after executing this block. */
  stateRoot: string;
  transactionCount: number;
  /** Public key (hex) of the validator that proposed the block. */
  proposer: string;
}

export interface Block {
  header: BlockHeader;
  transactions: Transaction[];
}

export type EventAttributes = Record<string, string | number | boolean>;

export interface ChainEvent {
  type: string;
  attributes: EventAttributes;
}

export interface Receipt {
  transactionHash: string;
  /** Stable numeric result code; 0 is success. Part of consensus: never renumbered. */
  code: number;
  /** The code's stable name, e.g. "ok" or "identity.member_exists". */
  name: string;
  /** Human-readable detail for a failure; empty on success. */
  message: string;
  events: ChainEvent[];
}

export interface CommitSignature {
  validator: string;
  signature: string;
}

/**
 * Evidence that a block is final: signatures of more than two thirds of validator power
 * over the commit bytes of (chainId, height, round, blockHash).
 */
export interface CommitCertificate {
  height: number;
  round: number;
  blockHash: string;
  signatures: CommitSignature[];
}

export function blockHash(crypto: Crypto, header: BlockHeader): Hash {
  return hashOf(crypto, 'block', header as unknown as JsonValue);
}

export interface CommitVote {
  chainId: string;
  height: number;
  round: number;
  blockHash: string;
}
