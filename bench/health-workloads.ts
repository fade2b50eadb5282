/**
 * The health-records workloads, deterministic from a seed: a population (clinicians and a
 * service member at each clinical organization, patients spread over all four) registered
 * by the organization admins before the round, then record anchors submitted by each
 * organization's service key for its clinicians, or consent grants and revocations signed
 * by the patients themselves. The consent-check and FHIR benchmarks populate their chain
 * from the same functions, so every health figure is measured on the same shape of data.
 */

import sodium from 'sodium-native';
import type { AnchorRecordParams } from '../src/protocol/contracts/records/anchor-record.js';
import { recordStatementBytes } from '../src/protocol/contracts/records/statement.js';
import type { Category, ResourceType } from '../src/protocol/contracts/records/types.js';
import { toHex } from '../src/protocol/core/bytes.js';
import type { JsonObject } from '../src/protocol/core/canonical.js';
import type { Signer } from '../src/protocol/core/crypto.js';
import { DEMO_ORGANIZATION_IDS } from '../src/protocol/genesis/demo.js';
import { derivedBytes } from '../src/testing/workload.js';
import type { WorkloadCall, WorkloadOptions, WorkloadPlan } from './workloads.js';

/** Admin signer i acts for organization i: hospital, clinic, payer, pharmacy. */
export const ORGANIZATION_IDS: readonly string[] = Object.values(DEMO_ORGANIZATION_IDS);
/** The organizations whose practitioners author records (the payer does not). */
export const CLINICAL_ORGANIZATIONS: readonly number[] = ORGANIZATION_IDS.flatMap((id, index) =>
  id === DEMO_ORGANIZATION_IDS.payer ? [] : [index],
);
export const CLINICIANS_PER_ORGANIZATION = 20;
/** A grant's window: from the epoch to 2100, so no round or query ever falls outside it. */
export const GRANT_WINDOW = { notBefore: 0, notAfter: 4_102_444_800_000 };
const CONSENT_LANES = 8;

/** Resource types with the category a clinician would file them under. */
export const RECORD_KINDS: readonly { resourceType: ResourceType; category: Category }[] = [
  { resourceType: 'Observation', category: 'laboratory' },
  { resourceType: 'DiagnosticReport', category: 'laboratory' },
  { resourceType: 'ImagingStudy', category: 'imaging' },
  { resourceType: 'MedicationRequest', category: 'medication' },
  { resourceType: 'Condition', category: 'clinical-note' },
  { resourceType: 'Observation', category: 'vital-signs' },
  { resourceType: 'Immunization', category: 'immunization' },
  { resourceType: 'Encounter', category: 'encounter' },
];
const SCOPES: readonly Category[][] = [
  ['laboratory'],
  ['laboratory', 'imaging'],
  ['medication', 'allergy'],
  ['clinical-note', 'vital-signs', 'laboratory'],
  ['immunization'],
];

/** A workload member: its id, keys derived from (seed, label), and a signer on demand. */
export interface HealthMember {
  id: string;
  signingSeed: Uint8Array;
  signingKey: string;
  encryptionKey: string;
  encryptionSecret: Uint8Array;
}

function idOf(prefix: string, seed: string, suffix: string): string {
  return `${prefix}-${seed}-${suffix}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');
}

function member(seed: string, id: string, label: string): HealthMember {
  const signingSeed = derivedBytes(seed, `${label}-signing`);
  const signingKey = new Uint8Array(32);
  sodium.crypto_sign_seed_keypair(signingKey, new Uint8Array(64), signingSeed);
  const encryptionSecret = derivedBytes(seed, `${label}-encryption`);
  const encryptionKey = new Uint8Array(32);
  sodium.crypto_scalarmult_base(encryptionKey, encryptionSecret);
  return {
    id,
    signingSeed,
    signingKey: toHex(signingKey),
    encryptionKey: toHex(encryptionKey),
    encryptionSecret,
  };
}

export function patient(seed: string, index: number): HealthMember {
  return member(seed, idOf('pt', seed, String(index)), `patient-${index}`);
}

export function clinician(seed: string, organization: number, index: number): HealthMember {
  const id = idOf('cl', seed, `${organization}-${index}`);
  return member(seed, id, `clinician-${organization}-${index}`);
}

export function serviceMember(seed: string, organization: number): HealthMember {
  return member(seed, idOf('svc', seed, String(organization)), `service-${organization}`);
}

/**
 * An Ed25519 signer over ordinary memory. The node's sodiumSigner keeps its secret in
 * sodium_malloc memory, whose guard pages run out of mappings at thousands of signers; these
 * are benchmark keys derived from a public seed, so there is nothing to guard.
 */
export function seedSigner(seed: Uint8Array): Signer {
  const publicKey = new Uint8Array(32);
  const secretKey = new Uint8Array(64);
  sodium.crypto_sign_seed_keypair(publicKey, secretKey, seed);
  return {
    publicKey,
    sign(message) {
      const signature = new Uint8Array(64);
      sodium.crypto_sign_detached(signature, message, secretKey);
      return signature;
    },
  };
}

/** Patients for a round of `count` actions: about eight actions each, within bounds. */
export function patientCountFor(count: number): number {
  return Math.max(64, Math.min(10_000, Math.ceil(count / 8)));
}

function registration(
  signer: number,
  registered: HealthMember,
  kind: 'patient' | 'practitioner' | 'service',
): WorkloadCall {
  const args: JsonObject = {
    id: registered.id,
    kind,
    signingKey: registered.signingKey,
    encryptionKey: registered.encryptionKey,
  };
  if (kind === 'practitioner') {
    args.roles = ['clinician'];
  }
  return { signer, module: 'identity', action: 'registerMember', args };
}

/** Admins register each clinical organization's service member and clinicians, then patients. */
export function populationCalls(seed: string, patients: number): WorkloadCall[] {
  const calls: WorkloadCall[] = [];
  for (const organization of CLINICAL_ORGANIZATIONS) {
    calls.push(registration(organization, serviceMember(seed, organization), 'service'));
    for (let index = 0; index < CLINICIANS_PER_ORGANIZATION; index++) {
      calls.push(registration(organization, clinician(seed, organization, index), 'practitioner'));
    }
  }
  for (let index = 0; index < patients; index++) {
    calls.push(registration(index % ORGANIZATION_IDS.length, patient(seed, index), 'patient'));
  }
  return calls;
}

/** A well-mixed index in [0, range) for position `i`: deterministic, no clustering. */
export function spread(i: number, range: number): number {
  return Math.floor(((((i + 1) * 2654435761) % 4294967296) / 4294967296) * range);
}

/** The anchorRecord arguments: the records module's own parameter type. */
export type AnchorFields = AnchorRecordParams;

/** The anchorRecord arguments of record `index`, its statement signed by its author. */
export function anchorFields(params: {
  seed: string;
  chainId: string;
  index: number;
  organization: number;
  author: { member: HealthMember; signer: Signer };
  patient: string;
  contentHash?: string;
}): AnchorFields {
  const { seed, index, organization } = params;
  const kind = RECORD_KINDS[index % RECORD_KINDS.length]!;
  const contentHash = params.contentHash ?? toHex(derivedBytes(seed, `record-${index}`));
  const sizeBytes = 4_096 + spread(index, 4_000_000);
  const statement = {
    chainId: params.chainId,
    id: idOf('rec', seed, String(index)),
    version: 1,
    patient: params.patient,
    custodian: ORGANIZATION_IDS[organization]!,
    resourceType: kind.resourceType,
    category: kind.category,
    contentHash,
    sizeBytes,
  };
  const signature = toHex(params.author.signer.sign(recordStatementBytes(statement)));
  return {
    id: statement.id,
    patient: params.patient,
    resourceType: kind.resourceType,
    category: kind.category,
    contentHash,
    sizeBytes,
    locator: `mcv://${statement.custodian}/${contentHash}`,
    author: params.author.member.id,
    signature,
  };
}

/** Clinician signers of every clinical organization, made once per plan. */
export function clinicianSigners(
  seed: string,
): Map<number, { member: HealthMember; signer: Signer }[]> {
  const out = new Map<number, { member: HealthMember; signer: Signer }[]>();
  for (const organization of CLINICAL_ORGANIZATIONS) {
    const list = [];
    for (let index = 0; index < CLINICIANS_PER_ORGANIZATION; index++) {
      const found = clinician(seed, organization, index);
      list.push({ member: found, signer: seedSigner(found.signingSeed) });
    }
    out.set(organization, list);
  }
  return out;
}

/**
 * records.anchorRecord: each clinical organization's service key submits the records its
 * clinicians author (each statement signed by its author), for patients of any organization.
 * One lane per organization, so each service key's nonces stay in order.
 */
export function recordAnchorsPlan(options: WorkloadOptions): WorkloadPlan {
  const chainId = requireChainId(options);
  const patients = patientCountFor(options.count);
  const services = CLINICAL_ORGANIZATIONS.map((organization) =>
    serviceMember(options.seed, organization),
  );
  const clinicians = clinicianSigners(options.seed);
  const calls: WorkloadCall[] = [];
  for (let i = 0; i < options.count; i++) {
    const lane = i % CLINICAL_ORGANIZATIONS.length;
    const organization = CLINICAL_ORGANIZATIONS[lane]!;
    const authors = clinicians.get(organization)!;
    const author = authors[Math.floor(i / CLINICAL_ORGANIZATIONS.length) % authors.length]!;
    const args = anchorFields({
      seed: options.seed,
      chainId,
      index: options.firstMember + i,
      organization,
      author,
      patient: patient(options.seed, spread(i, patients)).id,
    });
    calls.push({
      signer: options.signerCount + lane,
      module: 'records',
      action: 'anchorRecord',
      args: args as unknown as JsonObject,
    });
  }
  return {
    memberSeeds: services.map((service) => service.signingSeed),
    setup: [populationCalls(options.seed, patients)],
    calls,
    lanes: CLINICAL_ORGANIZATIONS.length,
  };
}

function requireChainId(options: WorkloadOptions): string {
  if (options.chainId === undefined) {
    throw new Error('health workloads sign record statements for one chain: pass chainId');
  }
  return options.chainId;
}

/** The grantConsent arguments of a patient's n-th grant. */
export function grantArgs(seed: string, patientId: string, n: number): JsonObject {
  const organizationGrant = n % 5 === 4;
  const organization = CLINICAL_ORGANIZATIONS[n % CLINICAL_ORGANIZATIONS.length]!;
  const grantee = organizationGrant
    ? ORGANIZATION_IDS[organization]!
    : clinician(seed, organization, spread(n, CLINICIANS_PER_ORGANIZATION)).id;
  return {
    patient: patientId,
    granteeKind: organizationGrant ? 'organization' : 'member',
    grantee,
    scope: { categories: SCOPES[n % SCOPES.length]! },
    purpose: n % 7 === 6 ? 'research' : 'treatment',
    ...GRANT_WINDOW,
  };
}

/**
 * consent.grantConsent and revokeConsent signed by the patients: per lane, in every five
 * actions four grants and one revocation of that patient's oldest grant of the round. A
 * lane holds a fixed set of patients, so each patient's nonces stay in order.
 */
export function consentPlan(options: WorkloadOptions): WorkloadPlan {
  const patients = patientCountFor(options.count);
  const lanes = Math.min(CONSENT_LANES, patients);
  const perLane = Math.floor(patients / lanes);
  const members = Array.from({ length: lanes * perLane }, (_, index) =>
    patient(options.seed, index),
  );
  const live = members.map((): number[] => []);
  const grantsMade = new Array<number>(members.length).fill(0);
  const positions = new Array<number>(lanes).fill(0);
  const calls: WorkloadCall[] = [];
  for (let i = 0; i < options.count; i++) {
    const lane = i % lanes;
    const position = positions[lane]!++;
    const index = lane + lanes * spread(position * lanes + lane, perLane);
    const own = live[index]!;
    const signer = options.signerCount + index;
    if (position % 5 === 4 && own.length > 0) {
      const grantCall = own.shift()!;
      calls.push({
        signer,
        module: 'consent',
        action: 'revokeConsent',
        args: {},
        resolveArgs: (hashOf) => ({ grant: hashOf(grantCall) }),
      });
    } else {
      own.push(calls.length);
      const args = grantArgs(options.seed, members[index]!.id, grantsMade[index]!++);
      calls.push({ signer, module: 'consent', action: 'grantConsent', args });
    }
  }
  return {
    memberSeeds: members.map((found) => found.signingSeed),
    setup: [populationCalls(options.seed, patients)],
    calls,
    lanes,
  };
}
