/** State keys of the consent module; the layout is in docs/spec/consent.md. */
import type { GranteeKind } from './types.js';

export function grantKey(id: string): string {
  return `consent/grant/${id}`;
}

export function breakGlassKey(id: string): string {
  return `consent/break-glass/${id}`;
}

/** The patient's counts of grants and log entries. */
export function patientConsentKey(patient: string): string {
  return `consent/patient/${patient}`;
}

export function grantsPageKey(patient: string, page: number): string {
  return `consent/patient/${patient}/grants/${page}`;
}

export function accessesPageKey(patient: string, page: number): string {
  return `consent/patient/${patient}/accesses/${page}`;
}

/** Live grant ids of one patient for one grantee: what an access check reads. */
export function granteeKey(patient: string, kind: GranteeKind, grantee: string): string {
  return `consent/patient/${patient}/grantee/${kind}/${grantee}`;
}

/** The latest break-glass id one accessor opened for one patient. */
export function patientBreakGlassKey(patient: string, accessor: string): string {
  return `consent/patient/${patient}/break-glass/${accessor}`;
}
