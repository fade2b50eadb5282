/**
 * Errors at the HTTP edge: one shape (RFC 9457 problem+json), one table from stable code to
 * status, translated in one place. Clients branch on `code`.
 */
export const PROBLEM_STATUS = {
  malformed_json: 400,
  invalid_transaction: 400,
  bad_signature: 400,
  wrong_chain: 400,
  expired: 400,
  invalid_params: 400,
  stale_nonce: 409,
  nonce_gap: 409,
  duplicate_transaction: 409,
  unknown_signer: 403,
  unauthenticated: 401,
  forbidden: 403,
  break_glass_required: 403,
  escrow_declined: 409,
  escrow_unavailable: 409,
  gone: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unknown_module: 404,
  unknown_action: 404,
  unknown_query: 404,
  not_found: 404,
  method_not_allowed: 405,
  mempool_full: 503,
  vault_busy: 503,
  timeout: 504,
  internal: 500,
} as const;

export type ProblemCode = keyof typeof PROBLEM_STATUS;

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ProblemCode;
  detail: string;
  field?: string;
}

export function problem(code: ProblemCode, detail: string, field?: string): Problem {
  const title = code.replaceAll('_', ' ').replace(/^./, (first) => first.toUpperCase());
  const body: Problem = {
    type: `urn:medchain:problem:${code}`,
    title,
    status: PROBLEM_STATUS[code],
    code,
    detail,
  };
  if (field !== undefined) {
    body.field = field;
  }
  return body;
}

export function problemResponse(body: Problem): Response {
  return new Response(JSON.stringify(body), {
    status: body.status,
    headers: { 'content-type': 'application/problem+json' },
  });
}
