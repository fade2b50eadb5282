/**
 * Error classes the SDK throws. Callers branch on `code`, which is stable, never on the
 * message. API errors carry the server's problem+json fields unchanged so that the CLI and
 * the web UI show the same words the node chose.
 */

/** A problem+json body as the node sends it (docs/api.md, "Errors"). */
export interface Problem {
  type?: string;
  title?: string;
  status: number;
  code: string;
  detail?: string;
  field?: string;
}

/** The node answered, and the answer was an error. */
export class MedchainApiError extends Error {
  override name = 'MedchainApiError';
  readonly code: string;
  readonly status: number;
  readonly detail: string;
  readonly field: string | undefined;
  readonly title: string | undefined;
  readonly type: string | undefined;

  constructor(problem: Problem) {
    super(`${problem.code}: ${problem.detail ?? problem.title ?? `HTTP ${problem.status}`}`);
    this.code = problem.code;
    this.status = problem.status;
    this.detail = problem.detail ?? problem.title ?? '';
    this.field = problem.field;
    this.title = problem.title;
    this.type = problem.type;
  }
}

/**
 * The node could not be reached or its answer could not be read. `cause` holds the
 * underlying error (DNS failure, refused connection, reset stream, invalid JSON).
 */
export class MedchainNetworkError extends Error {
  override name = 'MedchainNetworkError';
  readonly code = 'network';
  readonly url: string;

  constructor(url: string, message: string, options: { cause: unknown }) {
    super(message, options);
    this.url = url;
  }
}

export type KeystoreErrorCode =
  | 'wrong_passphrase'
  | 'malformed_keystore'
  | 'unsupported_version'
  | 'unsafe_parameters'
  | 'key_mismatch';

/** A keystore file could not be opened; `wrong_passphrase` is the common case. */
export class KeystoreError extends Error {
  override name = 'KeystoreError';
  readonly code: KeystoreErrorCode;

  constructor(code: KeystoreErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
