/**
 * The LedgerPort over the same ApiBackend the REST API uses, and the few list walks the
 * facade needs (a patient's records, grants and access log are kept in pages of one state
 * key each). Reads go through the engine queries only, never around them.
 */
import {
  ACCESSES_PAGE_SIZE,
  type AccessEntry,
  GRANTS_PAGE_SIZE,
  type Grant,
  type PatientConsent,
} from '../../../protocol/contracts/consent/types.js';
import type { Member, Organization } from '../../../protocol/contracts/identity/types.js';
import {
  PATIENT_PAGE_SIZE,
  type PatientRecords,
  type RecordHead,
} from '../../../protocol/contracts/records/types.js';
import type { JsonValue } from '../../../protocol/core/canonical.js';
import type { ApiBackend } from '../backend.js';
import type { LedgerPort, SubmitOutcome } from './types.js';

/** How long a create waits for its transaction to commit before answering 422. */
export const COMMIT_WAIT_MS = 30_000;

export function ledgerFromBackend(backend: ApiBackend): LedgerPort {
  return {
    query(module, name, params) {
      const answer = backend.query(module, name, params);
      return 'code' in answer ? null : answer.value;
    },
    head() {
      const status = backend.status();
      return { height: status.height, time: status.lastBlockTime };
    },
    chainId: () => backend.status().chainId,
    submit: async (transaction) => submitAndWait(backend, transaction),
    transactionArgs(hash) {
      const found = backend.transaction(hash);
      if (found === undefined || found === 'pending') {
        return undefined;
      }
      const { module, action, args } = found.transaction;
      return { module, action, args };
    },
  };
}

async function submitAndWait(backend: ApiBackend, transaction: unknown): Promise<SubmitOutcome> {
  const submitted = await backend.submit(transaction);
  if (!submitted.ok) {
    return { ok: false, status: submitted.problem.status, detail: submitted.problem.detail };
  }
  const committed = await backend.waitForCommit(submitted.hash, COMMIT_WAIT_MS);
  if (committed === undefined) {
    return { ok: false, status: 422, detail: 'the transaction did not commit in time' };
  }
  const { code, name, message } = committed.receipt;
  return { ok: true, hash: committed.hash, height: committed.height, code, name, message };
}

function as<T>(value: JsonValue | null): T | undefined {
  return value === null ? undefined : (value as unknown as T);
}

export function member(ledger: LedgerPort, id: string): Member | undefined {
  return as<Member>(ledger.query('identity', 'member', { id }));
}

export function organization(ledger: LedgerPort, id: string): Organization | undefined {
  return as<Organization>(ledger.query('identity', 'organization', { id }));
}

export function recordHead(ledger: LedgerPort, id: string): RecordHead | undefined {
  return as<RecordHead>(ledger.query('records', 'record', { id }));
}

/** Every page of a paged list, given its length: pages are read in order. */
function walkPages<T>(count: number, pageSize: number, page: (n: number) => JsonValue | null): T[] {
  const out: T[] = [];
  for (let n = 0; n * pageSize < count; n++) {
    const items = page(n);
    out.push(...((Array.isArray(items) ? items : []) as unknown as T[]));
  }
  return out;
}

export function patientRecordIds(ledger: LedgerPort, patient: string): string[] {
  const index = as<PatientRecords>(ledger.query('records', 'patient', { patient }));
  const page = (n: number) => ledger.query('records', 'byPatient', { patient, page: `${n}` });
  return walkPages<string>(index?.count ?? 0, PATIENT_PAGE_SIZE, page);
}

export function patientRecords(ledger: LedgerPort, patient: string): RecordHead[] {
  return patientRecordIds(ledger, patient).flatMap((id) => recordHead(ledger, id) ?? []);
}

function patientConsent(ledger: LedgerPort, patient: string): PatientConsent | undefined {
  return as<PatientConsent>(ledger.query('consent', 'patient', { patient }));
}

export function patientGrants(ledger: LedgerPort, patient: string): Grant[] {
  const count = patientConsent(ledger, patient)?.grants ?? 0;
  const page = (n: number) => ledger.query('consent', 'grants', { patient, page: `${n}` });
  const ids = walkPages<string>(count, GRANTS_PAGE_SIZE, page);
  return ids.flatMap((id) => as<Grant>(ledger.query('consent', 'grant', { id })) ?? []);
}

export function patientAccesses(ledger: LedgerPort, patient: string): AccessEntry[] {
  const count = patientConsent(ledger, patient)?.accesses ?? 0;
  const page = (n: number) => ledger.query('consent', 'accesses', { patient, page: `${n}` });
  return walkPages<AccessEntry>(count, ACCESSES_PAGE_SIZE, page);
}
