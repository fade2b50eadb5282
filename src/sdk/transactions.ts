/**
 * Transaction builders. A call names what to do (module, action, args); building adds who
 * and when (chain, signer, nonce, expiry) and signs. Keeping the two apart lets the API
 * client fill in the nonce at the last moment, after it has asked the node for it.
 */

import { toHex } from '../protocol/core/bytes.js';
import type { JsonObject } from '../protocol/core/canonical.js';
import type { Signer } from '../protocol/core/crypto.js';
import {
  decodeTransaction,
  signTransaction,
  type Transaction,
  type UnsignedTransaction,
} from '../protocol/ledger/transaction.js';

/** What a transaction asks a module to do, before it is addressed and signed. */
export interface TransactionCall {
  module: string;
  action: string;
  args: JsonObject;
}

export interface BuildTransactionOptions extends TransactionCall {
  chainId: string;
  signer: Signer;
  nonce: number;
  /** Last height at which the transaction may be included. */
  expiresAt?: number;
}

/** The shape check a node would make at the door, run before signing. */
export class InvalidTransactionError extends Error {
  override name = 'InvalidTransactionError';
  readonly code = 'invalid_transaction';
  readonly field: string;

  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

/**
 * Signs a transaction and checks it with the same decoder the node uses, so a malformed
 * transaction fails here with the field named instead of after a round trip.
 */
export function buildTransaction(options: BuildTransactionOptions): Transaction {
  const unsigned: UnsignedTransaction = {
    chainId: options.chainId,
    signer: toHex(options.signer.publicKey),
    nonce: options.nonce,
    module: options.module,
    action: options.action,
    args: options.args,
  };
  if (options.expiresAt !== undefined) {
    unsigned.expiresAt = options.expiresAt;
  }
  const transaction = signTransaction(options.signer, unsigned);
  const decoded = decodeTransaction(transaction);
  if (!decoded.ok) {
    throw new InvalidTransactionError(decoded.field, decoded.message);
  }
  return decoded.value;
}

/** A call to any module's action; the typed helpers below are shorthands for this. */
export function action(module: string, name: string, args: JsonObject = {}): TransactionCall {
  return { module, action: name, args };
}

// The identity module is young; these argument shapes follow its current actions and
// are expected to change with it. `action()` covers anything not listed.

export interface RegisterMemberArgs extends JsonObject {
  organization: string;
  /** Ed25519 public key (hex) of the new member. */
  publicKey: string;
  /** X25519 public key (hex) others wrap document keys to. */
  encryptionKey: string;
  role: string;
}

export interface RotateMemberKeyArgs extends JsonObject {
  publicKey: string;
  newPublicKey: string;
  newEncryptionKey: string;
}

export interface DeactivateMemberArgs extends JsonObject {
  publicKey: string;
  reason: string;
}

export interface ProposeArgs extends JsonObject {
  /** The governance change, e.g. { kind: 'addOrganization', ... }. */
  proposal: JsonObject;
}

export interface VoteArgs extends JsonObject {
  proposalId: string;
  approve: boolean;
}

export const identity = {
  registerMember: (args: RegisterMemberArgs): TransactionCall =>
    action('identity', 'registerMember', args),
  rotateMemberKey: (args: RotateMemberKeyArgs): TransactionCall =>
    action('identity', 'rotateMemberKey', args),
  deactivateMember: (args: DeactivateMemberArgs): TransactionCall =>
    action('identity', 'deactivateMember', args),
  propose: (args: ProposeArgs): TransactionCall => action('identity', 'propose', args),
  vote: (args: VoteArgs): TransactionCall => action('identity', 'vote', args),
} as const;
