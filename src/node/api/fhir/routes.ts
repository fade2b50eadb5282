/**
 * The Hono adapter: turns an HTTP request into a FhirRequest, asks the FhirAuth port who
 * is calling, and writes the answer as application/fhir+json with the status its outcome
 * means. Mounted at /fhir/R4; everything FHIR-specific lives in handle().
 */
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { handle } from './handle.js';
import { outcome, statusOf } from './outcome.js';
import type { FhirAuth, FhirRequest, LedgerPort, Resource } from './types.js';

export const FHIR_BASE_PATH = '/fhir/R4';
const BODY_BYTES_MAX = 256 * 1024;
const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

export interface FhirRoutesDeps {
  ledger: LedgerPort;
  auth: FhirAuth;
  /** Public base URL of the facade; defaults to the request's origin + /fhir/R4. */
  baseUrl?: string;
}

function reply(status: number, resource: Resource, location?: string): Response {
  const headers: Record<string, string> = { 'content-type': 'application/fhir+json' };
  if (location !== undefined) {
    headers.location = location;
  }
  return new Response(JSON.stringify(resource), { status, headers });
}

async function toFhirRequest(c: Context, baseUrl: string): Promise<FhirRequest | Response> {
  const url = new URL(c.req.url);
  const below = url.pathname.slice(url.pathname.indexOf(FHIR_BASE_PATH) + FHIR_BASE_PATH.length);
  const request: FhirRequest = {
    method: c.req.method as FhirRequest['method'],
    path: below.split('/').filter((part) => part !== ''),
    query: [...url.searchParams.entries()],
    baseUrl,
  };
  if (c.req.method === 'POST') {
    try {
      request.body = JSON.parse(await c.req.text()) as unknown;
    } catch {
      return reply(400, outcome('invalid', 'the body is not valid JSON'));
    }
  }
  return request;
}

export function createFhirRoutes(deps: FhirRoutesDeps): Hono {
  const app = new Hono();
  const limit = bodyLimit({
    maxSize: BODY_BYTES_MAX,
    onError: () => reply(413, outcome('too-costly' as 'invalid', 'the body is too large')),
  });
  app.all('/*', limit, async (c) => {
    if (!METHODS.has(c.req.method)) {
      return reply(405, outcome('not-supported', `${c.req.method} is not supported`));
    }
    const origin = new URL(c.req.url).origin;
    const baseUrl = deps.baseUrl ?? `${origin}${FHIR_BASE_PATH}`;
    const request = await toFhirRequest(c, baseUrl);
    if (request instanceof Response) {
      return request;
    }
    const caller = await deps.auth.caller(c.req.raw);
    const [result, resource] = await handle(request, deps.ledger, caller);
    const status = statusOf(result);
    const location =
      status === 201 && resource !== undefined
        ? `${baseUrl}/${resource.resourceType}/${resource.id}`
        : undefined;
    return reply(status, resource ?? result, location);
  });
  return app;
}
