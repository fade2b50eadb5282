/**
 * From existing FHIR resources (Synthea exports, bundles) to what medchain anchors: which
 * resources become records, under which coarse category, for which pseudonymous patient.
 * The patient member id is a salted hash of the source patient id: never a name, and not
 * linkable to the source id without the salt, which stays with the importing organization.
 */

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
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

/** A source file that cannot be imported: names the file and, for NDJSON, the line. */
export class ImportInputError extends Error {
  override name = 'ImportInputError';
  readonly code = 'bad_input';
}

/** Largest source file read: parsing keeps it whole in memory. */
const SOURCE_FILE_BYTES_MAX = 512 * 1024 * 1024;

function asResource(value: unknown, where: string): SourceResource {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ImportInputError(`${where}: not a JSON object`);
  }
  const type = (value as { resourceType?: unknown }).resourceType;
  if (typeof type !== 'string' || !/^[A-Z][A-Za-z]{1,63}$/.test(type)) {
    throw new ImportInputError(`${where}: no FHIR resourceType`);
  }
  return value as SourceResource;
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    // The parser's message can quote the input (PHI), so only its position is kept.
    const at = /position (\d+)/.exec((error as Error).message)?.[1];
    throw new ImportInputError(`${where}: not JSON${at === undefined ? '' : ` at ${at}`}`);
  }
}

function resourcesOfJson(text: string, path: string): SourceResource[] {
  const value = asResource(parseJson(text, path), path);
  if (value.resourceType !== 'Bundle') {
    return [value];
  }
  if (value.entry !== undefined && !Array.isArray(value.entry)) {
    throw new ImportInputError(`${path}: Bundle.entry is not an array`);
  }
  const entries = (value.entry ?? []) as unknown[];
  return entries.flatMap((entry, index) => {
    const resource = (entry as { resource?: unknown } | null)?.resource;
    return resource === undefined ? [] : [asResource(resource, `${path}: entry ${index}`)];
  });
}

/**
 * Resources from an .ndjson file, a .json resource or Bundle, or a directory of them.
 * A file that is not what its name says is refused whole, naming the file and line,
 * before anything is sent: a half-understood export is worse than none.
 */
export function loadResources(path: string): SourceResource[] {
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(path);
  } catch {
    throw new ImportInputError(`${path}: no such file or directory`);
  }
  if (stats.isDirectory()) {
    const names = readdirSync(path).filter((n) => /\.(ndjson|json)$/.test(n) && n !== 'log.ndjson');
    if (names.length === 0) {
      throw new ImportInputError(`${path}: no .ndjson or .json files`);
    }
    return names.sort().flatMap((name) => loadResources(join(path, name)));
  }
  if (!/\.(ndjson|json)$/.test(path)) {
    throw new ImportInputError(`${path}: expected a .ndjson or .json file`);
  }
  if (stats.size > SOURCE_FILE_BYTES_MAX) {
    throw new ImportInputError(`${path}: larger than ${SOURCE_FILE_BYTES_MAX} bytes`);
  }
  const text = readFileSync(path, 'utf8');
  if (!path.endsWith('.ndjson')) {
    return resourcesOfJson(text, path);
  }
  const resources: SourceResource[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() !== '') {
      const where = `${path}:${index + 1}`;
      resources.push(asResource(parseJson(line, where), where));
    }
  });
  return resources;
}
