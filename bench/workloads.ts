/**
 * Healthcare workloads for medchain, generated deterministically from a seed: which signer
 * asks which module to do what. Signing is a separate step (signWorkload), so a round can
 * pre-sign everything before its clock starts and a workload never depends on the signer
 * implementation. The health-records workloads (record anchors, consent) are plans: members
 * registered before the round, then calls signed by those members (bench/health-workloads.ts).
 */
import sodium from 'sodium-native';
import { toHex } from '../src/protocol/core/bytes.js';
import type { JsonObject } from '../src/protocol/core/canonical.js';
import type { Crypto, Signer } from '../src/protocol/core/crypto.js';
import {
  signTransaction,
  type Transaction,
  transactionHash,
} from '../src/protocol/ledger/transaction.js';
import { derivedBytes } from '../src/testing/workload.js';
import { consentPlan, recordAnchorsPlan } from './health-workloads.js';

export const WORKLOAD_NAMES = ['registration', 'mix', 'record-anchors', 'consent'] as const;
export type WorkloadName = (typeof WORKLOAD_NAMES)[number];

/** One action of a workload before it is addressed and signed. */
export interface WorkloadCall {
  /** Index into the round's signers. */
  signer: number;
  module: string;
  action: string;
  args: JsonObject;
  /** Replaces args once earlier calls are signed: a revocation names its grant's hash. */
  resolveArgs?: (hashOf: (call: number) => string) => JsonObject;
}

export interface WorkloadOptions {
  seed: string;
  count: number;
  signerCount: number;
  /** First member index, so consecutive rounds on one chain register new members. */
  firstMember: number;
  /** The chain's id, which record statements are signed for. */
  chainId?: string;
}

/**
 * Everything a round needs beyond admin-signed calls. Signer indices below signerCount are
 * the organization admins; signerCount + k is the member whose Ed25519 seed is memberSeeds[k].
 */
export interface WorkloadPlan {
  memberSeeds: Uint8Array[];
  /** Committed in order before the round's clock starts, each stage after the previous. */
  setup: WorkloadCall[][];
  calls: WorkloadCall[];
  /** Call i is submitted on lane i % lanes; all of one signer's calls share a lane. */
  lanes: number;
}

export interface WorkloadDefinition {
  name: WorkloadName;
  description: string;
  /** Why the workload cannot run yet; undefined when it can. */
  pending?: string;
  calls?: (options: WorkloadOptions) => WorkloadCall[];
  plan?: (options: WorkloadOptions) => WorkloadPlan;
}

/** A workload's plan; admin-signed workloads have no setup and one lane per admin. */
export function workloadPlan(
  definition: WorkloadDefinition,
  options: WorkloadOptions,
): WorkloadPlan {
  if (definition.plan !== undefined) {
    return definition.plan(options);
  }
  if (definition.calls === undefined) {
    throw new Error(`workload ${definition.name} is pending: ${definition.pending}`);
  }
  return {
    memberSeeds: [],
    setup: [],
    calls: definition.calls(options),
    lanes: options.signerCount,
  };
}

const MEMBER_KINDS = ['patient', 'patient', 'patient', 'practitioner', 'device'] as const;

/**
 * Scratch space for derived secret keys, which only the public half of is kept. Ordinary
 * memory on purpose: sodium_malloc maps guard pages per call and runs out of mappings.
 */
const SCRATCH_SECRET_KEY = new Uint8Array(64);

/** The public keys of the i-th workload member, derived from the seed with libsodium. */
export function memberKeys(seed: string, index: number): { signing: string; encryption: string } {
  const signingPublic = new Uint8Array(32);
  sodium.crypto_sign_seed_keypair(
    signingPublic,
    SCRATCH_SECRET_KEY,
    memberSigningSeed(seed, index),
  );
  const encryptionPublic = new Uint8Array(32);
  sodium.crypto_scalarmult_base(encryptionPublic, derivedBytes(seed, `member-${index}-encryption`));
  return { signing: toHex(signingPublic), encryption: toHex(encryptionPublic) };
}

export function memberSigningSeed(seed: string, index: number): Uint8Array {
  return derivedBytes(seed, `member-${index}-signing`);
}

export function memberId(seed: string, index: number): string {
  return `m-${seed}-${index}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');
}

function registration(seed: string, member: number, signer: number): WorkloadCall {
  const keys = memberKeys(seed, member);
  return {
    signer,
    module: 'identity',
    action: 'registerMember',
    args: {
      id: memberId(seed, member),
      kind: MEMBER_KINDS[member % MEMBER_KINDS.length]!,
      signingKey: keys.signing,
      encryptionKey: keys.encryption,
    },
  };
}

/** identity.registerMember from each admin in turn: the onboarding of a hospital's patients. */
function registrationCalls(options: WorkloadOptions): WorkloadCall[] {
  const calls: WorkloadCall[] = [];
  for (let i = 0; i < options.count; i++) {
    calls.push(registration(options.seed, options.firstMember + i, i % options.signerCount));
  }
  return calls;
}

/**
 * Per admin, in every ten actions: six registrations, three key rotations of its own active
 * members, one deactivation of its oldest active member. Every action is valid when applied
 * in order, which the per-signer nonces guarantee.
 */
function mixCalls(options: WorkloadOptions): WorkloadCall[] {
  const active: number[][] = Array.from({ length: options.signerCount }, () => []);
  const positions = new Array<number>(options.signerCount).fill(0);
  const calls: WorkloadCall[] = [];
  for (let i = 0; i < options.count; i++) {
    const signer = i % options.signerCount;
    const position = positions[signer]!++;
    const members = active[signer]!;
    const slot = position % 10;
    if (slot < 6 || members.length < 2) {
      const member = options.firstMember + i;
      calls.push(registration(options.seed, member, signer));
      members.push(member);
    } else if (slot < 9) {
      const member = members[(position * 7) % members.length]!;
      const encryption = new Uint8Array(32);
      const secret = derivedBytes(options.seed, `member-${member}-encryption-${position}`);
      sodium.crypto_scalarmult_base(encryption, secret);
      const args = { member: memberId(options.seed, member), encryptionKey: toHex(encryption) };
      calls.push({ signer, module: 'identity', action: 'rotateMemberKey', args });
    } else {
      const member = members.shift()!;
      const args = { member: memberId(options.seed, member) };
      calls.push({ signer, module: 'identity', action: 'deactivateMember', args });
    }
  }
  return calls;
}

export const WORKLOADS: Record<WorkloadName, WorkloadDefinition> = {
  registration: {
    name: 'registration',
    description: 'identity.registerMember from the four organization admins',
    calls: registrationCalls,
  },
  mix: {
    name: 'mix',
    description: '60% registerMember, 30% rotateMemberKey, 10% deactivateMember',
    calls: mixCalls,
  },
  'record-anchors': {
    name: 'record-anchors',
    description: 'records.anchorRecord by each clinical organization for its clinicians',
    plan: recordAnchorsPlan,
  },
  consent: {
    name: 'consent',
    description: '80% grantConsent, 20% revokeConsent, signed by the patients',
    plan: consentPlan,
  },
};

export interface SignedTransaction {
  transaction: Transaction;
  hash: string;
}

/** Addresses and signs calls in order; nonces run consecutively per signer from startNonces. */
export function signWorkload(params: {
  calls: WorkloadCall[];
  signers: Signer[];
  startNonces: number[];
  chainId: string;
  crypto: Crypto;
}): SignedTransaction[] {
  const nonces = [...params.startNonces];
  const publicKeys = new Map<number, string>();
  const publicKey = (index: number) => {
    let key = publicKeys.get(index);
    if (key === undefined) {
      key = toHex(params.signers[index]!.publicKey);
      publicKeys.set(index, key);
    }
    return key;
  };
  const signed: SignedTransaction[] = [];
  const hashOf = (call: number) => signed[call]!.hash;
  for (const call of params.calls) {
    const signer = params.signers[call.signer]!;
    const unsigned = {
      chainId: params.chainId,
      signer: publicKey(call.signer),
      nonce: nonces[call.signer]!++,
      module: call.module,
      action: call.action,
      args: call.resolveArgs === undefined ? call.args : call.resolveArgs(hashOf),
    };
    const transaction = signTransaction(signer, unsigned);
    signed.push({ transaction, hash: transactionHash(params.crypto, unsigned) });
  }
  return signed;
}
