/**
 * The vault's HTTP routes as a Hono app over two ports: a VaultBackend (storage) and a
 * VaultGate (authentication, consent, audit). Bodies stream both ways: an upload goes from
 * the request's ReadableStream to the backend, a download from the backend to the response,
 * so a 1 GB object never sits in memory. Failures become problem+json here, in one place.
 * Mounted by app.ts for each node, behind the real gate (src/node/vault/gate.ts).
 */
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { KeyWrapAddress, VaultBackend } from '../vault/vault-backend.js';
import { isVaultAddress, VAULT_LIMITS_DEFAULT, VaultError } from '../vault/vault-backend.js';
import type { GateDecision, Requester, VaultGate } from '../vault/vault-gate.js';
import { type ProblemCode, problem, problemResponse } from './problem.js';

export interface VaultRouteDependencies {
  backend: VaultBackend;
  gate: VaultGate;
}

export interface VaultRouteOptions {
  /** Refuses a declared Content-Length above this before reading; the backend also counts. */
  objectSizeBytesMax?: number;
  keyWrapBytesMax?: number;
}

class VaultProblem extends Error {
  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    readonly field?: string,
  ) {
    super(detail);
  }
}

const VAULT_ERROR_PROBLEMS: Record<VaultError['code'], ProblemCode> = {
  too_large: 'payload_too_large',
  busy: 'vault_busy',
};

const OCTETS = 'application/octet-stream';

function address(c: Context, name: 'hash' | 'recipient'): string {
  const value = c.req.param(name) ?? '';
  if (!isVaultAddress(value)) {
    throw new VaultProblem('invalid_params', `${name} must be 64 lowercase hex digits`, name);
  }
  return value;
}

async function authenticate(gate: VaultGate, c: Context): Promise<Requester> {
  const result = await gate.authenticate(c.req.raw);
  if (!result.ok) {
    throw new VaultProblem('unauthenticated', result.reason);
  }
  return result.requester;
}

function ensureAllowed(decision: GateDecision): void {
  if (!decision.allowed) {
    throw new VaultProblem(decision.erased === true ? 'gone' : 'forbidden', decision.reason);
  }
}

function declaredSize(c: Context): number | undefined {
  const header = c.req.header('content-length');
  if (header === undefined) {
    return undefined;
  }
  const size = Number(header);
  if (!/^\d+$/.test(header) || !Number.isSafeInteger(size)) {
    throw new VaultProblem('invalid_params', 'content-length is not a byte count');
  }
  return size;
}

const emptyBody = () =>
  new ReadableStream<Uint8Array>({
    start: (controller) => controller.close(),
  });

export function createVaultRoutes(
  dependencies: VaultRouteDependencies,
  options: VaultRouteOptions = {},
): Hono {
  const objectSizeBytesMax = options.objectSizeBytesMax ?? VAULT_LIMITS_DEFAULT.objectSizeBytesMax;
  const keyWrapBytesMax = options.keyWrapBytesMax ?? VAULT_LIMITS_DEFAULT.keyWrapBytesMax;
  const app = new Hono();
  app.onError(errorResponse);
  registerObjectRoutes(app, dependencies, objectSizeBytesMax);
  registerKeyWrapRoutes(app, dependencies, keyWrapBytesMax);
  return app;
}

function errorResponse(error: Error): Response {
  if (error instanceof VaultProblem) {
    return problemResponse(problem(error.code, error.detail, error.field));
  }
  if (error instanceof VaultError) {
    return problemResponse(problem(VAULT_ERROR_PROBLEMS[error.code], error.message));
  }
  // Only the error's name: a message could quote request data.
  console.error('medchain vault: unexpected error', { name: error.name });
  return problemResponse(problem('internal', 'an unexpected error occurred'));
}

function registerObjectRoutes(
  app: Hono,
  { backend, gate }: VaultRouteDependencies,
  objectSizeBytesMax: number,
): void {
  app.put('/v1/vault/objects', async (c) => {
    const requester = await authenticate(gate, c);
    const declaredSizeBytes = declaredSize(c);
    if (declaredSizeBytes !== undefined && declaredSizeBytes > objectSizeBytesMax) {
      throw new VaultProblem('payload_too_large', `body exceeds ${objectSizeBytesMax} bytes`);
    }
    ensureAllowed(await gate.authorizeUpload({ requester, declaredSizeBytes }));
    const stored = await backend.putObject(c.req.raw.body ?? emptyBody());
    if (stored.status === 'gone') {
      throw new VaultProblem('gone', 'this object was erased and cannot be stored again');
    }
    const { hash, sizeBytes, created } = stored;
    return c.json({ hash, sizeBytes }, created ? 201 : 200);
  });

  app.get('/v1/vault/objects/:hash', async (c) => {
    const hash = address(c, 'hash');
    const requester = await authenticate(gate, c);
    const target = { kind: 'object' as const };
    const decision = await gate.authorizeRead({ hash, requester, target, request: c.req.raw });
    ensureAllowed(decision);
    const read = await backend.getObject(hash);
    if (read.status !== 'found') {
      throw notFound(read.status, 'object');
    }
    try {
      // Audit before the first byte: a read that cannot be recorded is not served.
      await gate.recordRead(decision.auditContext ?? { hash, requester: requester.id, basis: '' });
    } catch (error) {
      await read.body.cancel().catch(() => undefined);
      throw error;
    }
    return new Response(read.body, {
      status: 200,
      headers: {
        'content-type': OCTETS,
        'content-length': String(read.sizeBytes),
        etag: `"${hash}"`,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      },
    });
  });

  app.delete('/v1/vault/objects/:hash', async (c) => {
    const hash = address(c, 'hash');
    const requester = await authenticate(gate, c);
    ensureAllowed(await gate.authorizeErase({ hash, requester }));
    const erasure = await backend.eraseObject(hash);
    if (erasure.status !== 'erased') {
      throw notFound(erasure.status, 'object');
    }
    const { objectDestroyed, keyWrapsDestroyed } = erasure;
    return c.json({ hash, erased: true, objectDestroyed, keyWrapsDestroyed });
  });
}

function notFound(status: 'missing' | 'gone', what: string): VaultProblem {
  return status === 'gone'
    ? new VaultProblem('gone', `this ${what} was erased`)
    : new VaultProblem('not_found', `no such ${what}`);
}

function registerKeyWrapRoutes(
  app: Hono,
  { backend, gate }: VaultRouteDependencies,
  keyWrapBytesMax: number,
): void {
  const keyAddress = (c: Context): KeyWrapAddress => ({
    hash: address(c, 'hash'),
    recipient: address(c, 'recipient'),
  });
  const limit = bodyLimit({
    maxSize: keyWrapBytesMax,
    onError: () =>
      problemResponse(problem('payload_too_large', `key wrap exceeds ${keyWrapBytesMax} bytes`)),
  });

  app.put('/v1/vault/objects/:hash/keys/:recipient', limit, async (c) => {
    const { hash, recipient } = keyAddress(c);
    const requester = await authenticate(gate, c);
    ensureAllowed(await gate.authorizeKeyWrite({ hash, recipient, requester }));
    // A wrap is under a kilobyte and bounded by the limit above, so reading it whole is fine.
    const wrap = new Uint8Array(await c.req.arrayBuffer());
    const written = await backend.putKeyWrap({ hash, recipient }, wrap);
    if (written !== 'stored') {
      throw notFound(written, 'object');
    }
    return c.json({ hash, recipient }, 201);
  });

  app.get('/v1/vault/objects/:hash/keys/:recipient', async (c) => {
    const { hash, recipient } = keyAddress(c);
    const requester = await authenticate(gate, c);
    const target = { kind: 'key_wrap' as const, recipient };
    ensureAllowed(await gate.authorizeRead({ hash, requester, target, request: c.req.raw }));
    const read = await backend.getKeyWrap({ hash, recipient });
    if (read.status !== 'found') {
      throw notFound(read.status, 'key wrap');
    }
    return new Response(read.wrap as Uint8Array<ArrayBuffer>, {
      status: 200,
      headers: { 'content-type': OCTETS, 'cache-control': 'no-store' },
    });
  });
}
