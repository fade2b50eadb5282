/**
 * The vault's gatekeeper port: who is asking, may they, and the audit trail of every read.
 * The HTTP routes call it and nothing else for authorization, so the real gate (signed
 * requests, consent at the current height, an on-chain audit event per read) plugs in at one
 * place. `allowAllGate` is for tests and the benchmark only: it authenticates no one.
 *
 * What the real gate must do (docs/spec/vault.md, "The gate"):
 * - authenticate: verify the request signature (or short-lived token) against the member's
 *   Ed25519 key in chain state at the current height, with a freshness window against replay;
 * - authorizeUpload: the member has a clinical role at this custodian, or is a registered
 *   patient device; the declared size is within the custodian's quota;
 * - authorizeRead: find the record version anchored with this content hash, then run the
 *   consent `check` (docs/spec/consent.md, "The vault gatekeeper") for the requester and the
 *   purpose of use the request declares, at the latest header time; a refusal for an erased
 *   record sets `erased` (410); the decision's auditContext names the grant or break-glass;
 * - recordRead: submit `recordAccess` signed by the vault's service key and wait for an ok
 *   receipt before a byte is served; a non-ok receipt or a failure means nothing is served;
 * - authorizeKeyWrite: the patient (owner) or a grant transaction naming that recipient;
 * - authorizeErase: the custodian acting on the patient's erasure transaction.
 */

/** The authenticated caller: a member's public key (hex) or a device's. */
export interface Requester {
  id: string;
}

export type Authentication = { ok: true; requester: Requester } | { ok: false; reason: string };

export interface GateDecision {
  allowed: boolean;
  /** Shown to the caller on refusal; never PHI, at most a grant id or a missing scope. */
  reason: string;
  /** On refusal: the record was erased on chain (consent.record_erased), so answer 410. */
  erased?: boolean;
}

/** What the audit event for one read needs; built by authorizeRead, consumed by recordRead. */
export interface AuditContext {
  hash: string;
  requester: string;
  /** Why the read was allowed: 'owner', 'author', 'grant:<id>', 'break-glass:<id>', 'test'. */
  basis: string;
}

export interface ReadDecision extends GateDecision {
  /** Present when allowed. */
  auditContext?: AuditContext;
}

export type ReadTarget = { kind: 'object' } | { kind: 'key_wrap'; recipient: string };

export interface VaultGate {
  authenticate(request: Request): Promise<Authentication>;
  authorizeUpload(params: {
    requester: Requester;
    /** Content-Length when the client declared one. */
    declaredSizeBytes: number | undefined;
  }): Promise<GateDecision>;
  authorizeRead(params: {
    hash: string;
    requester: Requester;
    target: ReadTarget;
    /** For what the gate reads from the request itself, such as the purpose of use. */
    request: Request;
  }): Promise<ReadDecision>;
  /** Called once per object read, after authorization and before the first byte is sent. */
  recordRead(context: AuditContext): Promise<void>;
  authorizeKeyWrite(params: {
    hash: string;
    recipient: string;
    requester: Requester;
  }): Promise<GateDecision>;
  authorizeErase(params: { hash: string; requester: Requester }): Promise<GateDecision>;
}

const ALLOWED: GateDecision = { allowed: true, reason: 'allow-all gate' };

/** Lets everything through and records nothing. Never wire this into a running node. */
export const allowAllGate: VaultGate = {
  authenticate: async () => ({ ok: true, requester: { id: 'anonymous' } }),
  authorizeUpload: async () => ALLOWED,
  authorizeRead: async ({ hash, requester }) => ({
    ...ALLOWED,
    auditContext: { hash, requester: requester.id, basis: 'test' },
  }),
  recordRead: async () => undefined,
  authorizeKeyWrite: async () => ALLOWED,
  authorizeErase: async () => ALLOWED,
};
