/**
 * The FHIR facade's own types: the transport-agnostic request, the ports it reads through
 * (ledger and caller), and the FHIR wire types it emits. Wire types stay inside api/fhir;
 * they come from a types-only package so nothing of it reaches the runtime.
 */
import type { OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { JsonValue } from '../../../protocol/core/canonical.js';

export type {
  AuditEvent,
  Bundle,
  BundleEntry,
  CapabilityStatement,
  Consent,
  DocumentReference,
  Observation,
  OperationOutcome,
  Organization,
  Patient,
  Practitioner,
  Provenance,
  Reference,
  Resource,
} from '@medplum/fhirtypes';

/** The resource types the facade serves; anything else is a 404 with an OperationOutcome. */
export const FHIR_TYPES = [
  'Patient',
  'Practitioner',
  'Organization',
  'Consent',
  'AuditEvent',
  'Provenance',
  'DocumentReference',
  'Observation',
] as const;
export type FhirType = (typeof FHIR_TYPES)[number];

/** One FHIR interaction, free of any HTTP framework. */
export type FhirRequest = {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path below the base, split on '/': [] for the base, ['Patient', 'p1'] for a read. */
  path: string[];
  /** Query parameters in order; a name may repeat. */
  query: [string, string][];
  /** The parsed JSON body of a POST, if any. */
  body?: unknown;
  /** Absolute base URL, e.g. https://node.example/fhir/R4, for fullUrl and paging links. */
  baseUrl: string;
};

/** Who is calling: a member of the chain. The caller's kind drives object-level checks. */
export type FhirCaller = {
  member: string;
  organization: string;
  kind: 'practitioner' | 'patient' | 'device' | 'service';
  roles: readonly string[];
};

/**
 * Answers who made a request. The production adapter wraps the API's request
 * authentication; tests use a header-based stand-in. `undefined` means anonymous: 401.
 */
export interface FhirAuth {
  caller(request: Request): Promise<FhirCaller | undefined>;
}

/** The chain state the facade reads: one query of a module, answered at the latest height. */
export interface LedgerPort {
  query(module: string, name: string, params: Record<string, string>): JsonValue | null;
  /** Consensus time (ms) and height of the latest committed block. */
  head(): { height: number; time: number };
  chainId(): string;
  /** Submits a signed transaction and waits for it to commit. */
  submit(transaction: unknown): Promise<SubmitOutcome>;
  /** The args of a committed transaction, or undefined; used to resolve audit event ids. */
  transactionArgs(hash: string): { module: string; action: string; args: JsonValue } | undefined;
}

export type SubmitOutcome =
  | { ok: true; hash: string; height: number; code: number; name: string; message: string }
  | { ok: false; status: number; detail: string };

/**
 * What a handler answers: the outcome (whose issue code decides the HTTP status) and, on
 * success, the resource. On failure the outcome itself is the body.
 */
export type FhirAnswer = [OperationOutcome, Resource?];
