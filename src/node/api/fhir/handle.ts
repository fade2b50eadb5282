/**
 * The facade's one entry point, free of HTTP: route a FhirRequest to metadata, read,
 * search or create, and turn every failure into an OperationOutcome. What it does not
 * support (history, update, delete, other types, operations) it refuses explicitly.
 */
import { CREATABLE, capabilityStatement } from './capability.js';
import { instant } from './codes.js';
import { create } from './create.js';
import { ALL_OK, CREATED, FhirError, outcome } from './outcome.js';
import { READERS, type ReadContext } from './resources.js';
import { search } from './search.js';
import {
  FHIR_TYPES,
  type FhirAnswer,
  type FhirCaller,
  type FhirRequest,
  type FhirType,
  type LedgerPort,
} from './types.js';

const FHIR_ID = /^[A-Za-z0-9.-]{1,64}$/;

function supportedType(name: string | undefined): FhirType {
  if (name === undefined || !(FHIR_TYPES as readonly string[]).includes(name)) {
    throw new FhirError('not-found', `resource type ${name ?? '(none)'} is not served here`);
  }
  return name as FhirType;
}

function context(request: FhirRequest, ledger: LedgerPort, caller: FhirCaller): ReadContext {
  // The vault routes live beside /fhir/R4 on the same API origin.
  const vaultBase = request.baseUrl.replace(/\/fhir\/R4\/?$/, '');
  return { ledger, caller, now: ledger.head().time, vaultBase };
}

async function route(
  request: FhirRequest,
  ledger: LedgerPort,
  caller: FhirCaller | undefined,
): Promise<FhirAnswer> {
  const [first, id, ...rest] = request.path;
  if (request.method === 'GET' && first === 'metadata' && id === undefined) {
    const date = instant(ledger.head().time);
    return [ALL_OK, capabilityStatement(request.baseUrl, date)];
  }
  if (caller === undefined) {
    throw new FhirError('login', 'the request is not authenticated');
  }
  if (id === '_history' || rest[0] === '_history') {
    throw new FhirError('not-supported', 'history is not supported');
  }
  const type = supportedType(first);
  if (rest.length > 0 || (id !== undefined && !FHIR_ID.test(id))) {
    throw new FhirError('not-supported', `${request.path.join('/')} is not a supported path`);
  }
  const read = context(request, ledger, caller);
  if (request.method === 'GET') {
    return id === undefined
      ? [ALL_OK, search(read, type, request)]
      : [ALL_OK, READERS[type].read(read, id)];
  }
  if (request.method === 'POST' && id === undefined && CREATABLE.includes(type)) {
    return [CREATED, await create(read, type, request.body)];
  }
  throw new FhirError('not-supported', `${request.method} is not supported on ${type}`);
}

export async function handle(
  request: FhirRequest,
  ledger: LedgerPort,
  caller: FhirCaller | undefined,
): Promise<FhirAnswer> {
  try {
    return await route(request, ledger, caller);
  } catch (error) {
    if (error instanceof FhirError) {
      return [outcome(error.code, error.detail)];
    }
    throw error;
  }
}
