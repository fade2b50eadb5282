/**
 * OperationOutcomes and the HTTP status each one means. Handlers fail by throwing a
 * FhirError; the router turns it into an outcome in one place, so every error a client
 * sees is an OperationOutcome with a status that agrees with its issue code.
 */
import type { OperationOutcome } from './types.js';

/** Issue codes the facade uses (FHIR value set issue-type), each with its HTTP status. */
const STATUS_OF_CODE = {
  informational: 200,
  invalid: 400,
  'not-supported': 400,
  login: 401,
  forbidden: 403,
  'not-found': 404,
  deleted: 410,
  processing: 422,
  'business-rule': 422,
  exception: 500,
} as const;
export type IssueCode = keyof typeof STATUS_OF_CODE;

export class FhirError extends Error {
  constructor(
    readonly code: IssueCode,
    readonly detail: string,
  ) {
    super(detail);
  }
}

export function outcome(code: IssueCode, detail: string): OperationOutcome {
  const severity = code === 'informational' ? 'information' : 'error';
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity, code, details: { text: detail } }],
  };
}

export const ALL_OK: OperationOutcome = outcome('informational', 'All OK');
export const CREATED: OperationOutcome = {
  resourceType: 'OperationOutcome',
  issue: [{ severity: 'information', code: 'informational', details: { text: 'Created' } }],
  id: 'created',
};

/** The HTTP status an outcome stands for: its first issue's code; 201 for CREATED. */
export function statusOf(result: OperationOutcome): number {
  if (result.id === 'created') {
    return 201;
  }
  const code = result.issue?.[0]?.code as IssueCode | undefined;
  return code === undefined ? 500 : (STATUS_OF_CODE[code] ?? 500);
}

export function isOk(result: OperationOutcome): boolean {
  return statusOf(result) < 300;
}
