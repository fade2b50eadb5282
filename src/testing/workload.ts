/**
 * Deterministic healthcare workloads: from a seed, the same signed transactions every time,
 * so a failing test or a benchmark round can be replayed exactly. Keys derive from the seed;
 * no PHI is generated, only pseudonymous ids and public keys.
 */

import { sha256 } from '@noble/hashes/sha2.js';
import sodium from 'sodium-native';
import { toHex, utf8 } from '../protocol/core/bytes.js';
import type { Signer } from '../protocol/core/crypto.js';
import { signTransaction, type Transaction } from '../protocol/ledger/transaction.js';

/** 32 bytes derived from a seed and a label: a stable stand-in for randomness. */
export function derivedBytes(seed: string | number, label: string): Uint8Array {
  return sha256(utf8(`medchain-workload:${seed}:${label}`));
}

/** X25519 public key through libsodium: the workload derives thousands of them. */
function x25519PublicKey(secret: Uint8Array): Uint8Array {
  const out = Buffer.alloc(32);
  sodium.crypto_scalarmult_base(out, Buffer.from(secret));
  return out;
}

export interface MemberRegistration {
  id: string;
  kind: 'patient' | 'practitioner' | 'device';
  signingSeed: Uint8Array;
  signingKey: string;
  encryptionKey: string;
}

/** The i-th member of a workload: ids and keys derived from (seed, i). */
export function workloadMember(
  seed: string | number,
  index: number,
  derivePublicKey: (seed: Uint8Array) => Uint8Array,
): MemberRegistration {
  const kinds = ['patient', 'patient', 'patient', 'practitioner', 'device'] as const;
  const signingSeed = derivedBytes(seed, `member-${index}-signing`);
  const encryptionSecret = derivedBytes(seed, `member-${index}-encryption`);
  return {
    id: `m-${seed}-${index}`.toLowerCase().replace(/[^a-z0-9-]/g, '-'),
    kind: kinds[index % kinds.length]!,
    signingSeed,
    signingKey: toHex(derivePublicKey(signingSeed)),
    encryptionKey: toHex(x25519PublicKey(encryptionSecret)),
  };
}

export interface RegistrationWorkloadOptions {
  chainId: string;
  admin: Signer;
  /** The admin's next nonce. */
  startNonce: number;
  count: number;
  seed: string | number;
  derivePublicKey: (seed: Uint8Array) => Uint8Array;
  /** Index of the first member, so consecutive rounds register new members. */
  firstIndex?: number;
}

/** Signed identity.registerMember transactions from one organization admin, nonces in order. */
export function registrationWorkload(options: RegistrationWorkloadOptions): Transaction[] {
  const adminKey = toHex(options.admin.publicKey);
  const transactions: Transaction[] = [];
  const first = options.firstIndex ?? 0;
  for (let i = 0; i < options.count; i++) {
    const member = workloadMember(options.seed, first + i, options.derivePublicKey);
    transactions.push(
      signTransaction(options.admin, {
        chainId: options.chainId,
        signer: adminKey,
        nonce: options.startNonce + i,
        module: 'identity',
        action: 'registerMember',
        args: {
          id: member.id,
          kind: member.kind,
          signingKey: member.signingKey,
          encryptionKey: member.encryptionKey,
        },
      }),
    );
  }
  return transactions;
}
