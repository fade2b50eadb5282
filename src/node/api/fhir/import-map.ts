/**
 * From existing FHIR resources (Synthea exports, bundles) to what medchain anchors: which
 * resources become records, under which coarse category, for which pseudonymous patient.
 * The patient member id is a salted hash of the source patient id: never a name, and not
 * linkable to the source id without the salt, which stays with the importing organization.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Category, ResourceType } from '../../../protocol/contracts/records/types.js';
import { toHex, utf8 } from '../../../protocol/core/bytes.js';

export type SourceResource = { resourceType: string; id?: string } & Record<string, unknown>;

/** Record kinds by source type; types not listed (Practitioner, Location...) are skipped. */
const RECORD_KINDS: Record<string, { resourceType: ResourceType; category: Category }> = {
  AllergyIntolerance: { resourceType: 'AllergyIntolerance', category: 'allergy' },
  CarePlan: { resourceType: 'CarePlan', category: 'other' },
  Condition: { resourceType: 'Condition', category: 'clinical-note' },
  DiagnosticReport: { resourceType: 'DiagnosticReport', category: 'laboratory' },
  DocumentReference: { resourceType: 'DocumentReference', category: 'clinical-note' },
  Encounter: { resourceType: 'Encounter', category: 'encounter' },
  ImagingStudy: { resourceType: 'ImagingStudy', category: 'imaging' },
  Immunization: { resourceType: 'Immunization', category: 'immunization' },
  MedicationRequest: { resourceType: 'MedicationRequest', category: 'medication' },
  MedicationStatement: { resourceType: 'MedicationStatement', category: 'medication' },
  Observation: { resourceType: 'Observation', category: 'other' },
  Procedure: { resourceType: 'Procedure', category: 'procedure' },
};

/** Observation categories (FHIR observation-category) that have a medchain category. */
const OBSERVATION_CATEGORIES: Record<string, Category> = {
  'vital-signs': 'vital-signs',
  laboratory: 'laboratory',
  imaging: 'imaging',
  procedure: 'procedure',
};

export function recordKind(
  resource: SourceResource,
): { resourceType: ResourceType; category: Category } | undefined {
  const kind = RECORD_KINDS[resource.resourceType];
  if (kind === undefined || resource.resourceType !== 'Observation') {
    return kind;
  }
  const categories = (resource.category ?? []) as { coding?: { code?: string }[] }[];
  const codes = categories.flatMap((c) => c.coding ?? []).map((c) => c.code ?? '');
  const category = codes.map((code) => OBSERVATION_CATEGORIES[code]).find((c) => c);
  return { ...kind, category: category ?? 'other' };
}

/** The source patient id a resource belongs to: subject or patient "Patient/<id>". */
export function sourcePatientOf(resource: SourceResource): string | undefined {
  const reference = ((resource.subject ?? resource.patient) as { reference?: string } | undefined)
    ?.reference;
  const match = /^(?:Patient\/|urn:uuid:)([A-Za-z0-9.-]{1,64})$/.exec(reference ?? '');
  return match?.[1];
}

/** The pseudonymous member id: "pt-" and 128 bits of HMAC-SHA256(salt, source id). */
export function pseudonymousPatientId(salt: string, sourceId: string): string {
  return `pt-${toHex(hmac(sha256, utf8(salt), utf8(`patient:${sourceId}`)).subarray(0, 16))}`;
}

/** A stable record id for a source resource, so a re-import finds what it anchored. */
export function recordIdFor(salt: string, resource: SourceResource): string {
  const name = `record:${resource.resourceType}/${resource.id ?? ''}`;
  return `rec-${toHex(hmac(sha256, utf8(salt), utf8(name)).subarray(0, 16))}`;
}

function resourcesOfJson(text: string): SourceResource[] {
  const value = JSON.parse(text) as SourceResource;
  if (value.resourceType !== 'Bundle') {
    return [value];
  }
  const entries = (value.entry ?? []) as { resource?: SourceResource }[];
  return entries.flatMap((entry) => (entry.resource === undefined ? [] : [entry.resource]));
}

/** Resources from an .ndjson file, a .json resource or Bundle, or a directory of them. */
export function loadResources(path: string): SourceResource[] {
  if (statSync(path).isDirectory()) {
    const names = readdirSync(path).filter((n) => /\.(ndjson|json)$/.test(n) && n !== 'log.ndjson');
    return names.sort().flatMap((name) => loadResources(join(path, name)));
  }
  const text = readFileSync(path, 'utf8');
  if (path.endsWith('.ndjson')) {
    const lines = text.split('\n').filter((line) => line.trim() !== '');
    return lines.map((line) => JSON.parse(line) as SourceResource);
  }
  return resourcesOfJson(text);
}
