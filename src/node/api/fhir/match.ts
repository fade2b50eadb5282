/**
 * Matching one search value against a resource: tokens (`code`, `system|code`, `|code`,
 * comma for OR) and dates with the FHIR prefixes eq, gt, ge, lt, le over the implicit range
 * of the value's precision (2024 means all of 2024, UTC when no offset is given).
 */
import { FhirError } from './outcome.js';
import type { SearchParam } from './search-params.js';
import type { Resource } from './types.js';

const DATE = new RegExp(
  '^(eq|gt|ge|lt|le)?(\\d{4})(?:-(\\d{2})(?:-(\\d{2})' +
    '(?:T(\\d{2}):(\\d{2})(?::(\\d{2})(\\.\\d{1,3})?)?(Z|[+-]\\d{2}:\\d{2})?)?)?)?$',
);

type Range = { prefix: string; start: number; end: number };

/** The half-open range [start, end) of ms a date value covers at its precision. */
export function parseDate(value: string): Range {
  const m = DATE.exec(value);
  if (m === null) {
    throw new FhirError('invalid', `${value} is not a date search value (prefixes eq|gt|ge|lt|le)`);
  }
  const [, prefix = 'eq', y, mo, d, h, mi, s, frac, zone] = m;
  const parts = [y, mo ?? '01', d ?? '01'];
  const clock = `${h ?? '00'}:${mi ?? '00'}:${s ?? '00'}${frac ?? ''}`;
  const iso = `${parts.join('-')}T${clock}${zone ?? 'Z'}`;
  const start = Date.parse(iso);
  if (Number.isNaN(start)) {
    throw new FhirError('invalid', `${value} is not a valid date`);
  }
  const next = new Date(start);
  if (frac !== undefined) {
    next.setTime(start + 10 ** (3 - (frac.length - 1)));
  } else if (s !== undefined) {
    next.setTime(start + 1000);
  } else if (mi !== undefined) {
    next.setTime(start + 60_000);
  } else if (d !== undefined) {
    next.setUTCDate(next.getUTCDate() + 1);
  } else if (mo !== undefined) {
    next.setUTCMonth(next.getUTCMonth() + 1);
  } else {
    next.setUTCFullYear(next.getUTCFullYear() + 1);
  }
  return { prefix, start, end: next.getTime() };
}

function dateMatches(range: Range, time: number): boolean {
  switch (range.prefix) {
    case 'gt':
      return time >= range.end;
    case 'ge':
      return time >= range.start;
    case 'lt':
      return time < range.start;
    case 'le':
      return time < range.end;
    default:
      return time >= range.start && time < range.end;
  }
}

function tokenMatches(wanted: string, values: readonly string[]): boolean {
  if (!wanted.includes('|')) {
    return values.some((v) => v.slice(v.indexOf('|') + 1) === wanted);
  }
  if (wanted.startsWith('|')) {
    return values.some((v) => v === wanted || v.endsWith(wanted));
  }
  return values.includes(wanted);
}

export function matches(resource: Resource, param: SearchParam, value: string): boolean {
  const values = param.values(resource);
  if (param.kind === 'date') {
    const range = parseDate(value);
    return values.some((v) => typeof v === 'number' && dateMatches(range, v));
  }
  const strings = values.map(String);
  return value.split(',').some((one) => tokenMatches(one, strings));
}
