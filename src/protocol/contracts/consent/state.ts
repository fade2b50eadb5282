/**
 * Typed reads and writes of consent state, and the two per-patient lists: grant ids and
 * the access log, each a count in the patient's summary plus pages of one key each.
 */
import { assert } from '../../core/assert.js';
import type { JsonValue } from '../../core/canonical.js';
import type { ActionContext, StateRead } from '../engine/module.js';
import { appendToPage } from '../records/paged-list.js';
import {
  accessesPageKey,
  breakGlassKey,
  granteeKey,
  grantKey,
  grantsPageKey,
  patientBreakGlassKey,
  patientConsentKey,
} from './keys.js';
import type { AccessEntry, BreakGlass, Grant, GranteeKind, PatientConsent } from './types.js';
import { ACCESSES_PAGE_SIZE, GRANTS_PAGE_SIZE } from './types.js';

function load<T>(get: StateRead, key: string): T | undefined {
  const value = get(key);
  assert(value === undefined || (typeof value === 'object' && value !== null), `${key}: bad`);
  return value as T | undefined;
}

export function loadGrant(get: StateRead, id: string): Grant | undefined {
  return load<Grant>(get, grantKey(id));
}

export function loadBreakGlass(get: StateRead, id: string): BreakGlass | undefined {
  return load<BreakGlass>(get, breakGlassKey(id));
}

export function saveGrant(context: ActionContext, grant: Grant): void {
  context.set(grantKey(grant.id), grant as unknown as JsonValue);
}

export function saveBreakGlass(context: ActionContext, breakGlass: BreakGlass): void {
  context.set(breakGlassKey(breakGlass.id), breakGlass as unknown as JsonValue);
  context.set(patientBreakGlassKey(breakGlass.patient, breakGlass.accessor), breakGlass.id);
}

/** The id of the latest break-glass `accessor` opened for `patient`. */
export function loadPatientBreakGlass(
  get: StateRead,
  request: { patient: string; accessor: string },
): string | undefined {
  const value = get(patientBreakGlassKey(request.patient, request.accessor));
  assert(value === undefined || typeof value === 'string', 'consent: bad break-glass pointer');
  return value;
}

export function loadGranteeIndex(
  get: StateRead,
  request: { patient: string; kind: GranteeKind; grantee: string },
): readonly string[] {
  const value = load<string[]>(get, granteeKey(request.patient, request.kind, request.grantee));
  return value ?? [];
}

export function saveGranteeIndex(context: ActionContext, grant: Grant, ids: string[]): void {
  const key = granteeKey(grant.patient, grant.granteeKind, grant.grantee);
  if (ids.length === 0) {
    context.delete(key);
  } else {
    context.set(key, ids);
  }
}

function loadSummary(get: StateRead, patient: string): PatientConsent {
  return (
    load<PatientConsent>(get, patientConsentKey(patient)) ?? { patient, grants: 0, accesses: 0 }
  );
}

export function indexGrant(context: ActionContext, patient: string, id: string): void {
  const summary = loadSummary(context.get, patient);
  appendToPage(
    context,
    { pageKey: (page) => grantsPageKey(patient, page), pageSize: GRANTS_PAGE_SIZE },
    { index: summary.grants, item: id },
  );
  context.set(patientConsentKey(patient), { ...summary, grants: summary.grants + 1 });
}

export function logAccess(context: ActionContext, patient: string, entry: AccessEntry): void {
  const summary = loadSummary(context.get, patient);
  appendToPage(
    context,
    { pageKey: (page) => accessesPageKey(patient, page), pageSize: ACCESSES_PAGE_SIZE },
    { index: summary.accesses, item: entry as unknown as JsonValue },
  );
  context.set(patientConsentKey(patient), { ...summary, accesses: summary.accesses + 1 });
}
