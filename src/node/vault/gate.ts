/**
 * The real VaultGate (docs/spec/vault.md §5, docs/spec/auth.md): members authenticate with
 * signed requests or tokens; the chain decides everything else at the current height.
 *
 * The request names what it reads: headers `x-medchain-record` and `x-medchain-version`
 * give the record version, and the gate checks that this version's anchor carries the
 * requested content hash and is held by this custodian; `x-medchain-purpose` declares the
 * purpose of use (default treatment). The route port passes the request only to
 * authorizeRead, so authenticate() keeps those headers on the requester for the others.
 *
 * A read under a grant or break-glass is audited before it is authorized: the gate submits
 * `consent.recordAccess` signed by the organization's vault service key and waits for an
 * ok receipt; a refused receipt (a revocation landed first) is a 403. The patient's and the
 * author's own reads have no third-party basis the chain can log, so they are not audited.
 */
import type { RecordAccessParams } from '../../protocol/contracts/consent/record-access.js';
import { PURPOSES, type Purpose } from '../../protocol/contracts/consent/types.js';
import type { Anchor, RecordHead } from '../../protocol/contracts/records/types.js';
import { CLINICAL_ORGANIZATION_ROLES } from '../../protocol/contracts/records/types.js';
import type { Authenticator, Principal, StateLookup } from '../api/auth.js';
import type {
  AuditContext,
  Authentication,
  GateDecision,
  ReadDecision,
  Requester,
  VaultGate,
} from './vault-gate.js';

export const RECORD_HEADER = 'x-medchain-record';
export const VERSION_HEADER = 'x-medchain-version';
export const PURPOSE_HEADER = 'x-medchain-purpose';

/** The requester as this gate builds it: the principal and what the request names. */
export interface MedchainRequester extends Requester {
  principal: Principal;
  record?: string;
  version?: number;
  purpose: Purpose | undefined;
}

interface MedchainAuditContext extends AuditContext {
  /** Set once recordAccess committed with an ok receipt, or for an unaudited own read. */
  audited: boolean;
}

export interface AuditReceipt {
  code: number;
  name: string;
  message: string;
}

export interface MedchainGateDependencies {
  authenticator: Authenticator;
  lookup: StateLookup;
  /** Consensus time of the latest committed header. */
  latestTime(): number;
  /** This vault's custodian organization. */
  organization: string;
  /** Signs recordAccess with the vault service key, submits it and waits for the commit. */
  submitAudit(args: RecordAccessParams): Promise<AuditReceipt>;
}

const refuse = (reason: string, erased = false): ReadDecision =>
  erased ? { allowed: false, reason, erased } : { allowed: false, reason };

export function createMedchainGate(deps: MedchainGateDependencies): VaultGate {
  const anchorFor = (hash: string, requester: MedchainRequester) => {
    const { record, version } = requester;
    if (record === undefined || version === undefined) {
      return { error: `name the record with ${RECORD_HEADER} and ${VERSION_HEADER}` } as const;
    }
    const anchor = deps.lookup('records', 'version', { id: record, version: String(version) });
    const head = deps.lookup('records', 'record', { id: record });
    const found = anchor as Anchor | null;
    if (found === null || head === null || found.contentHash !== hash) {
      return { error: 'no such record version with this content hash' } as const;
    }
    if (found.custodian !== deps.organization) {
      return { error: `this record is held by ${found.custodian}` } as const;
    }
    return { anchor: found, head: head as RecordHead } as const;
  };

  return {
    authenticate: (request) => authenticate(deps.authenticator, request),
    async authorizeUpload({ requester }) {
      const { principal } = requester as MedchainRequester;
      return mayUpload(deps, principal)
        ? { allowed: true, reason: 'clinical member of the custodian' }
        : { allowed: false, reason: `only clinical members of ${deps.organization} upload` };
    },
    async authorizeRead({ hash, requester, target }) {
      const who = requester as MedchainRequester;
      const found = anchorFor(hash, who);
      if ('error' in found) {
        return refuse(found.error);
      }
      if (target.kind === 'key_wrap' && target.recipient !== who.principal.encryptionKey) {
        return refuse('a member fetches only the key wrap for its own encryption key');
      }
      return decideRead(deps, { hash, who, ...found, audit: target.kind === 'object' });
    },
    async recordRead(context) {
      if (!(context as MedchainAuditContext).audited) {
        throw new Error('vault gate: a read was not audited');
      }
    },
    async authorizeKeyWrite({ hash, recipient, requester }) {
      const who = requester as MedchainRequester;
      const found = anchorFor(hash, who);
      if ('error' in found) {
        return { allowed: false, reason: found.error };
      }
      return mayWriteKey(deps, { who, recipient, ...found });
    },
    async authorizeErase({ hash, requester }) {
      const who = requester as MedchainRequester;
      const found = anchorFor(hash, who);
      if ('error' in found) {
        return { allowed: false, reason: found.error };
      }
      const asksFor = who.principal.organization === deps.organization;
      const operator = who.principal.kind === 'admin' || who.principal.memberKind === 'service';
      return asksFor && operator && found.head.status !== 'active'
        ? { allowed: true, reason: 'custodian acting on the erasure request' }
        : { allowed: false, reason: 'only the custodian erases, after the patient asked' };
    },
  };
}

async function authenticate(auth: Authenticator, request: Request): Promise<Authentication> {
  const result = await auth.authenticate(request);
  if (!result.ok) {
    return result;
  }
  const { principal } = result;
  const requester: MedchainRequester = {
    id: principal.member ?? `admin:${principal.organization}`,
    principal,
    purpose: parsePurpose(request.headers.get(PURPOSE_HEADER)),
  };
  const record = request.headers.get(RECORD_HEADER);
  const version = Number(request.headers.get(VERSION_HEADER) ?? Number.NaN);
  if (record !== null && Number.isSafeInteger(version) && version >= 1) {
    requester.record = record;
    requester.version = version;
  }
  return { ok: true, requester };
}

function parsePurpose(text: string | null): Purpose | undefined {
  if (text === null) {
    return 'treatment';
  }
  return (PURPOSES as readonly string[]).includes(text) ? (text as Purpose) : undefined;
}

function mayUpload(deps: MedchainGateDependencies, principal: Principal): boolean {
  if (principal.organization !== deps.organization || principal.kind !== 'member') {
    return false;
  }
  if (principal.memberKind === 'device') {
    const link = deps.lookup('records', 'device', { id: principal.member ?? '' });
    return (link as { active?: boolean } | null)?.active === true;
  }
  const organization = deps.lookup('identity', 'organization', { id: deps.organization }) as {
    role: string;
  } | null;
  const clinicalOrganization = (CLINICAL_ORGANIZATION_ROLES as readonly string[]).includes(
    organization?.role ?? '',
  );
  const clinicalRole = principal.roles.some((role) => role === 'clinician' || role === 'emergency');
  return clinicalOrganization && principal.memberKind === 'practitioner' && clinicalRole;
}

/** The patient, the author, or the consent check at the latest header time. */
async function decideRead(
  deps: MedchainGateDependencies,
  params: {
    hash: string;
    who: MedchainRequester;
    anchor: Anchor;
    head: RecordHead;
    audit: boolean;
  },
): Promise<ReadDecision> {
  const { hash, who, anchor, head } = params;
  const member = who.principal.member;
  if (head.status !== 'active' || anchor.erasedAt !== null) {
    return refuse(`record ${head.id} is ${head.status}`, true);
  }
  if (member === head.patient || member === anchor.author) {
    const basis = member === head.patient ? 'owner' : 'author';
    const auditContext: MedchainAuditContext = { hash, requester: who.id, basis, audited: true };
    return { allowed: true, reason: basis, auditContext };
  }
  if (member === undefined || who.purpose === undefined) {
    return refuse(member === undefined ? 'only members read records' : 'unknown purpose of use');
  }
  const checked = deps.lookup('consent', 'check', {
    accessor: member,
    record: anchor.id,
    version: String(anchor.version),
    purpose: who.purpose,
    time: String(deps.latestTime()),
  });
  if (checked === null) {
    return refuse(`no grant or break-glass covers this read for ${who.purpose}`);
  }
  const basis = checked as { id: string; accessor?: string };
  const isBreakGlass = typeof basis.accessor === 'string';
  const context: MedchainAuditContext = {
    hash,
    requester: who.id,
    basis: `${isBreakGlass ? 'break-glass' : 'grant'}:${basis.id}`,
    audited: !params.audit,
  };
  if (params.audit) {
    const receipt = await deps.submitAudit({
      accessor: member,
      record: anchor.id,
      version: anchor.version,
      purpose: who.purpose,
      ...(isBreakGlass ? { breakGlass: basis.id } : { grant: basis.id }),
    });
    if (receipt.code !== 0) {
      return refuse(`the access was not recorded: ${receipt.name}`);
    }
    context.audited = true;
  }
  return { allowed: true, reason: context.basis, auditContext: context };
}

function mayWriteKey(
  deps: MedchainGateDependencies,
  params: { who: MedchainRequester; recipient: string; anchor: Anchor; head: RecordHead },
): GateDecision {
  const { who, recipient, anchor, head } = params;
  if (head.status !== 'active') {
    return { allowed: false, reason: `record ${head.id} is ${head.status}`, erased: true };
  }
  const member = who.principal.member;
  if (member === head.patient) {
    // The owner decides who holds its key; a grant gives the reader the right to read.
    return { allowed: true, reason: 'owner' };
  }
  if (member === anchor.author) {
    const patient = deps.lookup('identity', 'member', { id: head.patient }) as {
      encryptionKey: string;
    } | null;
    const own = recipient === who.principal.encryptionKey;
    return own || recipient === patient?.encryptionKey
      ? { allowed: true, reason: 'author' }
      : { allowed: false, reason: 'the author wraps only for the patient and itself' };
  }
  return { allowed: false, reason: 'only the patient or the author writes key wraps' };
}
