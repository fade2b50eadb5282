/**
 * Strict argument parsers. Each action declares its arguments once as a schema; parsing
 * rejects unknown fields and wrong types with a message that names the field, so a client
 * learns exactly what to fix and every validator rejects the same inputs the same way.
 */
import { isHex } from '../../core/bytes.js';
import { isNonNegativeInteger, isPlainObject } from '../../ledger/transaction.js';

export type ParseResult<T> = { ok: true; value: T } | { ok: false; field: string; message: string };

export interface Parser<T> {
  /** Optional fields may be absent; they are never `null` unless the parser allows it. */
  readonly optional: boolean;
  parse(value: unknown, field: string): ParseResult<T>;
}
export interface RequiredParser<T> extends Parser<T> {
  readonly optional: false;
}
export interface OptionalParser<T> extends Parser<T> {
  readonly optional: true;
}

type Schema = Record<string, Parser<unknown>>;
type ParsedType<P> = P extends Parser<infer T> ? T : never;
type RequiredKeys<S extends Schema> = {
  [K in keyof S]: S[K] extends OptionalParser<unknown> ? never : K;
}[keyof S];
type OptionalKeys<S extends Schema> = {
  [K in keyof S]: S[K] extends OptionalParser<unknown> ? K : never;
}[keyof S];
export type ObjectOf<S extends Schema> = { [K in RequiredKeys<S>]: ParsedType<S[K]> } & {
  [K in OptionalKeys<S>]?: ParsedType<S[K]>;
};

export function fail(
  field: string,
  message: string,
): { ok: false; field: string; message: string } {
  return { ok: false, field, message };
}

function required<T>(parse: (value: unknown, field: string) => ParseResult<T>): RequiredParser<T> {
  return { optional: false, parse };
}

export function optional<T>(parser: RequiredParser<T>): OptionalParser<T> {
  return { optional: true, parse: parser.parse };
}

/** A string matching `pattern`; `describe` completes "must be ...". */
export function text(pattern: RegExp, describe: string): RequiredParser<string> {
  return required((value, field) =>
    typeof value === 'string' && pattern.test(value)
      ? { ok: true, value }
      : fail(field, `${field} must be ${describe}`),
  );
}

/** Lowercase hex of exactly `byteLength` bytes. */
export function hex(byteLength: number, describe: string): RequiredParser<string> {
  return required((value, field) =>
    typeof value === 'string' && isHex(value, byteLength)
      ? { ok: true, value }
      : fail(field, `${field} must be ${describe} (${byteLength} bytes, lowercase hex)`),
  );
}

export function oneOf<const T extends string>(values: readonly T[]): RequiredParser<T> {
  const allowed = new Set<string>(values);
  return required((value, field) =>
    typeof value === 'string' && allowed.has(value)
      ? { ok: true, value: value as T }
      : fail(field, `${field} must be one of: ${values.join(', ')}`),
  );
}

export function boolean(): RequiredParser<boolean> {
  return required((value, field) =>
    typeof value === 'boolean' ? { ok: true, value } : fail(field, `${field} must be a boolean`),
  );
}

export function integer(options: { min: number; max: number }): RequiredParser<number> {
  return required((value, field) =>
    isNonNegativeInteger(value) && value >= options.min && value <= options.max
      ? { ok: true, value }
      : fail(field, `${field} must be an integer from ${options.min} to ${options.max}`),
  );
}

/** `null` or what `parser` accepts: for fields where null means "remove". */
export function nullable<T>(parser: RequiredParser<T>): RequiredParser<T | null> {
  return required<T | null>((value, field) =>
    value === null ? { ok: true, value: null } : parser.parse(value, field),
  );
}

/** An array of at most `lengthMax` items, without duplicates when `unique`. */
export function list<T>(
  item: RequiredParser<T>,
  options: { lengthMax: number; unique: boolean },
): RequiredParser<T[]> {
  return required((value, field) => {
    if (!Array.isArray(value) || value.length > options.lengthMax) {
      return fail(field, `${field} must be an array of at most ${options.lengthMax} items`);
    }
    const out: T[] = [];
    for (let i = 0; i < value.length; i++) {
      const parsed = item.parse(value[i], `${field}[${i}]`);
      if (!parsed.ok) {
        return parsed;
      }
      if (options.unique && out.includes(parsed.value)) {
        return fail(`${field}[${i}]`, `${field} must not repeat an item`);
      }
      out.push(parsed.value);
    }
    return { ok: true, value: out };
  });
}

/** An object with exactly the schema's fields; nested field names read "parent.child". */
export function object<S extends Schema>(schema: S): RequiredParser<ObjectOf<S>> {
  const names = Object.keys(schema);
  return required((value, field) => {
    if (!isPlainObject(value)) {
      return fail(field, `${field === '' ? 'args' : field} must be an object`);
    }
    for (const key in value) {
      if (!Object.hasOwn(schema, key)) {
        return fail(qualify(field, key), `unknown field "${qualify(field, key)}"`);
      }
    }
    const out: Record<string, unknown> = {};
    for (const name of names) {
      const parser = schema[name]!;
      const raw = value[name];
      const path = qualify(field, name);
      if (raw === undefined) {
        if (!parser.optional) {
          return fail(path, `${path} is required`);
        }
        continue;
      }
      const parsed = parser.parse(raw, path);
      if (!parsed.ok) {
        return parsed;
      }
      out[name] = parsed.value;
    }
    return { ok: true, value: out as ObjectOf<S> };
  });
}

function qualify(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}
