/**
 * Search: parse the query strictly against the declared parameters, read the candidates
 * for one patient (or the named ids), filter, page and follow `_include`. Every resource,
 * included ones too, comes from the same authorized readers as a read does.
 */
import { referencedId } from './codes.js';
import { matches } from './match.js';
import { FhirError } from './outcome.js';
import { READERS, type ReadContext } from './resources.js';
import { INCLUDES, PATIENT_SCOPED, SEARCH_PARAMS, type SearchParam } from './search-params.js';
import type { Bundle, BundleEntry, FhirRequest, FhirType, Resource } from './types.js';

export const COUNT_DEFAULT = 50;
export const COUNT_MAX = 200;

type Parsed = {
  filters: { param: SearchParam; value: string }[];
  patient: string | undefined;
  ids: string[];
  count: number;
  offset: number;
  includes: string[];
};

function invalid(detail: string): never {
  throw new FhirError('invalid', detail);
}

function parseCount(value: string, name: string, max: number): number {
  if (!/^\d{1,9}$/.test(value) || Number(value) > max) {
    invalid(`${name} must be an integer from 0 to ${max}`);
  }
  return Number(value);
}

function control(parsed: Parsed, type: FhirType, name: string, value: string): boolean {
  if (name === '_count') {
    parsed.count = parseCount(value, '_count', COUNT_MAX);
  } else if (name === '_offset') {
    parsed.offset = parseCount(value, '_offset', 1e9);
  } else if (name === '_include') {
    if (INCLUDES[value]?.type !== type) {
      throw new FhirError('not-supported', `_include=${value} is not supported on ${type}`);
    }
    parsed.includes.push(value);
  } else if (name === '_format') {
    if (!/json/.test(value)) {
      throw new FhirError('not-supported', 'only JSON is supported');
    }
  } else {
    return false;
  }
  return true;
}

function selectPatient(parsed: Parsed, value: string): void {
  const id = referencedId(value, 'Patient');
  if (id === undefined || id === '') {
    invalid(`a patient reference must be Patient/<id> or <id>, not ${value}`);
  }
  if (parsed.patient !== undefined && parsed.patient !== id) {
    invalid('patient and subject name different patients');
  }
  parsed.patient = id;
}

export function parseSearch(type: FhirType, query: [string, string][]): Parsed {
  const parsed: Parsed = {
    filters: [],
    patient: undefined,
    ids: [],
    count: COUNT_DEFAULT,
    offset: 0,
    includes: [],
  };
  for (const [name, value] of query) {
    if (control(parsed, type, name, value)) {
      continue;
    }
    const param = SEARCH_PARAMS[type].find((p) => p.name === name);
    if (param === undefined) {
      throw new FhirError('not-supported', `search parameter ${name} is not supported on ${type}`);
    }
    if (param.kind === 'reference') {
      selectPatient(parsed, value);
    } else if (param.name === '_id') {
      parsed.ids.push(...value.split(','));
    } else {
      parsed.filters.push({ param, value });
    }
  }
  return parsed;
}

function candidates(context: ReadContext, type: FhirType, parsed: Parsed): Resource[] {
  const reader = READERS[type];
  if (PATIENT_SCOPED.includes(type)) {
    const patient =
      parsed.patient ?? (context.caller.kind === 'patient' ? context.caller.member : undefined);
    if (patient === undefined) {
      invalid(`a ${type} search must name its patient (patient=Patient/<id>)`);
    }
    return reader.forPatient?.(context, patient) ?? [];
  }
  const ids =
    parsed.ids.length > 0 || context.caller.kind !== 'patient' || type !== 'Patient'
      ? parsed.ids
      : [context.caller.member];
  if (ids.length === 0) {
    invalid(`a ${type} search must give _id: the chain keeps no directory to enumerate`);
  }
  return ids.flatMap((id) => readQuietly(context, type, id));
}

/** A read that yields nothing instead of an error: search never reports what it hid. */
function readQuietly(context: ReadContext, type: FhirType, id: string): Resource[] {
  try {
    return [READERS[type].read(context, id)];
  } catch (error) {
    if (error instanceof FhirError) {
      return [];
    }
    throw error;
  }
}

function includes(context: ReadContext, matched: Resource[], specs: string[]): Resource[] {
  const seen = new Set(matched.map((r) => `${r.resourceType}/${r.id}`));
  const out: Resource[] = [];
  for (const spec of specs) {
    for (const reference of matched.flatMap((r) => INCLUDES[spec]?.references(r) ?? [])) {
      const [type, id] = reference.split('/');
      if (seen.has(reference) || id === undefined || !(type! in READERS)) {
        continue;
      }
      seen.add(reference);
      out.push(...readQuietly(context, type as FhirType, id));
    }
  }
  return out;
}

function link(request: FhirRequest, type: FhirType, offset: number, count: number): string {
  const query = new URLSearchParams(
    request.query.filter(([name]) => name !== '_offset' && name !== '_count'),
  );
  query.set('_count', `${count}`);
  query.set('_offset', `${offset}`);
  return `${request.baseUrl}/${type}?${query.toString()}`;
}

export function search(context: ReadContext, type: FhirType, request: FhirRequest): Bundle {
  const parsed = parseSearch(type, request.query);
  const all = candidates(context, type, parsed).filter((resource) =>
    parsed.filters.every(({ param, value }) => matches(resource, param, value)),
  );
  const { offset, count } = parsed;
  const page = all.slice(offset, offset + count);
  const entry = (resource: Resource, mode: 'match' | 'include'): BundleEntry => ({
    fullUrl: `${request.baseUrl}/${resource.resourceType}/${resource.id}`,
    resource,
    search: { mode },
  });
  const links = [{ relation: 'self', url: link(request, type, offset, count) }];
  if (offset + count < all.length) {
    links.push({ relation: 'next', url: link(request, type, offset + count, count) });
  }
  if (offset > 0) {
    links.push({
      relation: 'previous',
      url: link(request, type, Math.max(0, offset - count), count),
    });
  }
  const entries = [
    ...page.map((r) => entry(r, 'match')),
    ...includes(context, page, parsed.includes).map((r) => entry(r, 'include')),
  ];
  // FHIR JSON has no empty arrays: an empty page simply has no entry.
  const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset', total: all.length };
  return { ...bundle, link: links, ...(entries.length === 0 ? {} : { entry: entries }) };
}
