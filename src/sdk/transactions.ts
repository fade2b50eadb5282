/**
 * Transaction builders. A call names what to do (module, action, args); building adds who
 * and when (chain, signer, nonce, expiry) and signs. Keeping the two apart lets the API
 * client fill in the nonce at the last moment, after it has asked the node for it.
 */

import type { DeactivateMemberParams } from '../protocol/contracts/identity/deactivate-member.js';
import type { ProposeAdmissionParams } from '../protocol/contracts/identity/propose-admission.js';
import type { ProposeRemovalParams } from '../protocol/contracts/identity/propose-removal.js';
import type { ProposeValidatorParams } from '../protocol/contracts/identity/propose-validator.js';
import type { RegisterMemberParams } from '../protocol/contracts/identity/register-member.js';
import type { RotateAdminKeyParams } from '../protocol/contracts/identity/rotate-admin-key.js';
import type { RotateMemberKeyParams } from '../protocol/contracts/identity/rotate-member-key.js';
import type { VoteParams } from '../protocol/contracts/identity/vote.js';
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

/** Argument types come from the module itself, so a changed action fails to compile here. */
export function call<T extends object>(module: string, name: string): (args: T) => TransactionCall {
  return (args) => action(module, name, args as unknown as JsonObject);
}

/** Typed shorthands for the identity and governance module's actions. */
export const identity = {
  registerMember: call<RegisterMemberParams>('identity', 'registerMember'),
  rotateMemberKey: call<RotateMemberKeyParams>('identity', 'rotateMemberKey'),
  deactivateMember: call<DeactivateMemberParams>('identity', 'deactivateMember'),
  rotateAdminKey: call<RotateAdminKeyParams>('identity', 'rotateAdminKey'),
  proposeAdmission: call<ProposeAdmissionParams>('identity', 'proposeAdmission'),
  proposeRemoval: call<ProposeRemovalParams>('identity', 'proposeRemoval'),
  proposeValidator: call<ProposeValidatorParams>('identity', 'proposeValidator'),
  vote: call<VoteParams>('identity', 'vote'),
} as const;
