/**
 * The vault's HTTP routes as a Hono app over two ports: a VaultBackend (storage) and a
 * VaultGate (authentication, consent, audit). Bodies stream both ways: an upload goes from
 * the request's ReadableStream to the backend, a download from the backend to the response,
 * so a 1 GB object never sits in memory. Failures become problem+json here, in one place.
 * Mounted by app.ts for each node, behind the real gate (src/node/vault/gate.ts).
 *
 * With an emergency escrow (src/node/vault/emergency-release.ts) the vault also serves
 * `POST /v1/vault/objects/{hash}/emergency-release/{recipient}`, and writes to a document's
 * escrow slot (the key wrap addressed to the escrow key) are decided by the escrow, not the
 * gate: the author escrows once, the patient may decline or escrow again.
 */
import type { Readable } from 'node:stream';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { toHex } from '../../protocol/core/bytes.js';
import type { EmergencyEscrow, EscrowRefusal } from '../vault/emergency-release.js';
import type { KeyWrapAddress, UploadBody, VaultBackend } from '../vault/vault-backend.js';
import { isVaultAddress, VAULT_LIMITS_DEFAULT, VaultError } from '../vault/vault-backend.js';
import type { GateDecision, Requester, VaultGate } from '../vault/vault-gate.js';
import { type ProblemCode, problem, problemResponse } from './problem.js';

export interface VaultRouteDependencies {
  backend: VaultBackend;
  gate: VaultGate;
  /** Emergency key release; absent: break-glass readers get ciphertext only. */
  escrow?: EmergencyEscrow;
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

/**
 * Under @hono/node-server the Node request is read directly while nothing has started
 * reading it: its web-stream wrapper costs a promise and a queue entry per 64 KiB socket
 * read, about a sixth of the vault's CPU on a large upload. A request whose body something
 * already read (a signed small body is hashed first) goes through the web stream as before.
 */
function uploadBody(c: Context): UploadBody {
  const incoming = (c.env as { incoming?: Readable } | undefined)?.incoming;
  if (incoming !== undefined && incoming.readableFlowing === null && !incoming.readableDidRead) {
    return incoming;
  }
  return c.req.raw.body ?? emptyBody();
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
  registerEmergencyRoutes(app, dependencies);
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
    const stored = await backend.putObject(uploadBody(c));
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
  { backend, gate, escrow }: VaultRouteDependencies,
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
    const escrowSlot = escrow !== undefined && recipient === escrow.recipient;
    if (!escrowSlot) {
      ensureAllowed(await gate.authorizeKeyWrite({ hash, recipient, requester }));
    }
    // A wrap is under a kilobyte and bounded by the limit above, so reading it whole is fine.
    const wrap = new Uint8Array(await c.req.arrayBuffer());
    if (escrowSlot) {
      ensureEscrow(await escrow.authorizeEscrowWrite({ hash, requester, wrap }));
    }
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

function ensureEscrow<T extends { ok: true }>(outcome: T | EscrowRefusal): T {
  if (!outcome.ok) {
    throw new VaultProblem(outcome.code, outcome.reason);
  }
  return outcome;
}

function registerEmergencyRoutes(app: Hono, { gate, escrow }: VaultRouteDependencies): void {
  app.post('/v1/vault/objects/:hash/emergency-release/:recipient', async (c) => {
    const hash = address(c, 'hash');
    const recipient = address(c, 'recipient');
    const requester = await authenticate(gate, c);
    if (escrow === undefined) {
      throw new VaultProblem(
        'escrow_unavailable',
        'this vault releases no emergency keys: break-glass gives the ciphertext only',
      );
    }
    const released = ensureEscrow(await escrow.release({ hash, requester, recipient }));
    const { record, version, breakGlass, notAfter, audit } = released;
    return c.json(
      { record, version, recipient, wrap: toHex(released.wrap), breakGlass, notAfter, audit },
      200,
      { 'cache-control': 'no-store' },
    );
  });
}
