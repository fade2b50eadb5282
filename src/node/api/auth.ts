/**
 * Authentication of API requests (docs/spec/auth.md): every request for protected data is
 * made by a member, proven either by a signed request (Ed25519 over method, path and query,
 * body hash, timestamp and nonce; replay window and nonce cache) or by a short-lived bearer
 * token from a challenge–response with the member's key (HMAC'd with a per-process secret).
 * Who the key belongs to, and whether it is active, comes from chain state at the current
 * height on every request, so a deactivation takes effect at once, tokens included.
 *
 * Exports for other routes (the FHIR facade among them):
 *   - `Authenticator`: `authenticate(request)` → Principal or a refusal reason;
 *   - `requireMember(auth)`: Hono middleware answering 401 problem+json, else setting the
 *     principal for `principalOf(c)`;
 *   - `authRoutes(auth)`: POST /v1/auth/challenge, POST /v1/auth/token, GET /v1/auth/whoami.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { fromHex, isHex } from '../../protocol/core/bytes.js';
import type { JsonValue } from '../../protocol/core/canonical.js';
import {
  bodySha256Hex,
  CONTENT_SHA256_HEADER,
  canonicalRequestBytes,
  challengeBytes,
  parseAuthorization,
  UNSIGNED_PAYLOAD,
} from '../../sdk/request-auth.js';
import { problem, problemResponse } from './problem.js';

/** Reads one query answer's value from committed state: (module, query, params) → value. */
export type StateLookup = (
  module: string,
  name: string,
  params: Record<string, string>,
) => JsonValue | null;

/** Who is asking: an active member key, or an organization's admin key. */
export interface Principal {
  publicKey: string;
  kind: 'member' | 'admin';
  organization: string;
  /** Member id; absent for an admin key. */
  member?: string;
  memberKind?: string;
  roles: string[];
  /** The member's X25519 key (hex); absent for an admin key. */
  encryptionKey?: string;
  via: 'signature' | 'token';
}

export type AuthResult = { ok: true; principal: Principal } | { ok: false; reason: string };

export interface AuthenticatorOptions {
  lookup: StateLookup;
  /** Ed25519 verification (the node's crypto). */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  nowMs?: () => number;
  /** A signed request's timestamp may differ from the node's clock by at most this. */
  replayWindowMs?: number;
  nonceCacheMax?: number;
  tokenTtlMs?: number;
  challengeTtlMs?: number;
  /** Bodies up to this size are hashed and checked against the signed hash. */
  signedBodyBytesMax?: number;
}

export const AUTH_DEFAULTS = {
  replayWindowMs: 60_000,
  nonceCacheMax: 100_000,
  tokenTtlMs: 10 * 60_000,
  challengeTtlMs: 60_000,
  signedBodyBytesMax: 1024 * 1024,
};

/** Only a streamed vault upload may leave its body out of the signature (content-addressed). */
function mayOmitBodyHash(method: string, path: string): boolean {
  return method === 'PUT' && path === '/v1/vault/objects';
}

export class Authenticator {
  private readonly options: Required<Omit<AuthenticatorOptions, 'lookup' | 'verify'>>;
  /** Per-process secret: tokens die with the process, and never work on another node. */
  private readonly secret = randomBytes(32);
  /** nonce → expiry; bounded, oldest first. */
  private readonly nonces = new Map<string, number>();
  private readonly challenges = new Map<string, { publicKey: string; expiresAt: number }>();

  constructor(private readonly deps: AuthenticatorOptions) {
    this.options = {
      nowMs: deps.nowMs ?? (() => Date.now()),
      replayWindowMs: deps.replayWindowMs ?? AUTH_DEFAULTS.replayWindowMs,
      nonceCacheMax: deps.nonceCacheMax ?? AUTH_DEFAULTS.nonceCacheMax,
      tokenTtlMs: deps.tokenTtlMs ?? AUTH_DEFAULTS.tokenTtlMs,
      challengeTtlMs: deps.challengeTtlMs ?? AUTH_DEFAULTS.challengeTtlMs,
      signedBodyBytesMax: deps.signedBodyBytesMax ?? AUTH_DEFAULTS.signedBodyBytesMax,
    };
  }

  /** Verifies a signed request or a bearer token; the key must be active at this height. */
  async authenticate(request: Request): Promise<AuthResult> {
    const header = request.headers.get('authorization');
    if (header === null) {
      return { ok: false, reason: 'sign the request or send a bearer token (docs/api.md)' };
    }
    if (/^Bearer\s/i.test(header)) {
      return this.fromToken(header.replace(/^Bearer\s+/i, '').trim());
    }
    return this.fromSignature(request, header);
  }

  private async fromSignature(request: Request, header: string): Promise<AuthResult> {
    const parsed = parseAuthorization(header);
    if (parsed === undefined || !isHex(parsed.keyId, 32) || !isHex(parsed.signature, 64)) {
      return { ok: false, reason: 'malformed Medchain authorization header' };
    }
    if (parsed.nonce.length < 32 || parsed.nonce.length > 128) {
      return { ok: false, reason: 'the nonce must be 16 to 64 bytes of hex' };
    }
    const now = this.options.nowMs();
    if (Math.abs(now - parsed.timestampMs) > this.options.replayWindowMs) {
      return { ok: false, reason: 'the request timestamp is outside the replay window' };
    }
    const url = new URL(request.url);
    const declared = request.headers.get(CONTENT_SHA256_HEADER) ?? bodySha256Hex(undefined);
    const bodyHash = await this.bodyHash(request, url.pathname, declared);
    if (bodyHash === undefined || bodyHash !== declared) {
      return { ok: false, reason: 'the body does not match its signed hash' };
    }
    const message = canonicalRequestBytes({
      method: request.method,
      pathAndQuery: url.pathname + url.search,
      bodySha256: declared,
      timestampMs: parsed.timestampMs,
      nonce: parsed.nonce,
    });
    const valid = this.deps.verify(fromHex(parsed.keyId), message, fromHex(parsed.signature));
    if (!valid) {
      return { ok: false, reason: 'bad request signature' };
    }
    if (!this.rememberNonce(parsed.nonce, now)) {
      return { ok: false, reason: 'this request nonce was already used' };
    }
    return this.principal(parsed.keyId, 'signature');
  }

  /** The body's hash, or UNSIGNED_PAYLOAD where allowed; undefined when it cannot be checked. */
  private async bodyHash(request: Request, path: string, declared: string) {
    if (declared === UNSIGNED_PAYLOAD) {
      return mayOmitBodyHash(request.method, path) ? UNSIGNED_PAYLOAD : undefined;
    }
    if (request.body === null) {
      return bodySha256Hex(undefined);
    }
    const length = Number(request.headers.get('content-length') ?? Number.NaN);
    if (!(length <= this.options.signedBodyBytesMax)) {
      return undefined;
    }
    // A clone tees the stream, so the route still reads the body afterwards.
    const bytes = new Uint8Array(await request.clone().arrayBuffer());
    return bodySha256Hex(bytes);
  }

  private rememberNonce(nonce: string, now: number): boolean {
    if (this.nonces.has(nonce)) {
      return false;
    }
    for (const [seen, expiresAt] of this.nonces) {
      if (expiresAt > now && this.nonces.size < this.options.nonceCacheMax) {
        break;
      }
      // Expired, or the cache is full: the oldest goes. A full cache is still safe for
      // replays older than the window, which the timestamp check refuses on its own.
      this.nonces.delete(seen);
    }
    this.nonces.set(nonce, now + 2 * this.options.replayWindowMs);
    return true;
  }

  /** The key's principal at the current height, or why it is refused. */
  principal(publicKey: string, via: Principal['via']): AuthResult {
    const key = this.deps.lookup('identity', 'key', { publicKey }) as {
      kind?: string;
      organization?: string;
      member?: string;
      active?: boolean;
    } | null;
    if (key === null || key.active !== true || typeof key.organization !== 'string') {
      return { ok: false, reason: 'the key is not an active member or admin key' };
    }
    const organization = this.deps.lookup('identity', 'organization', { id: key.organization });
    if ((organization as { active?: boolean } | null)?.active !== true) {
      return { ok: false, reason: 'the organization is not active' };
    }
    if (key.kind === 'admin') {
      const principal: Principal = {
        publicKey,
        kind: 'admin',
        organization: key.organization,
        roles: [],
        via,
      };
      return { ok: true, principal };
    }
    if (key.kind !== 'member' || key.member === undefined) {
      return { ok: false, reason: 'only member and admin keys make API requests' };
    }
    const member = this.deps.lookup('identity', 'member', { id: key.member }) as {
      kind: string;
      roles: string[];
      encryptionKey: string;
      signingKey: string;
      active: boolean;
    } | null;
    if (member === null || !member.active || member.signingKey !== publicKey) {
      return { ok: false, reason: 'the member is not active with this key' };
    }
    return {
      ok: true,
      principal: {
        publicKey,
        kind: 'member',
        organization: key.organization,
        member: key.member,
        memberKind: member.kind,
        roles: member.roles,
        encryptionKey: member.encryptionKey,
        via,
      },
    };
  }

  /** A one-time challenge for `publicKey`, valid for a minute. */
  challenge(publicKey: string): { challenge: string; expiresAt: number } {
    const now = this.options.nowMs();
    for (const [id, entry] of this.challenges) {
      if (entry.expiresAt > now && this.challenges.size < this.options.nonceCacheMax) {
        break;
      }
      this.challenges.delete(id);
    }
    const challenge = randomBytes(32).toString('hex');
    const expiresAt = now + this.options.challengeTtlMs;
    this.challenges.set(challenge, { publicKey, expiresAt });
    return { challenge, expiresAt };
  }

  /** Exchanges a signed challenge for a bearer token; the challenge is used up either way. */
  issueToken(params: {
    publicKey: string;
    challenge: string;
    signature: string;
  }): { ok: true; token: string; expiresAt: number } | { ok: false; reason: string } {
    const entry = this.challenges.get(params.challenge);
    this.challenges.delete(params.challenge);
    const now = this.options.nowMs();
    if (entry === undefined || entry.expiresAt <= now || entry.publicKey !== params.publicKey) {
      return { ok: false, reason: 'unknown or expired challenge' };
    }
    if (!isHex(params.signature, 64)) {
      return { ok: false, reason: 'signature must be 64 bytes of hex' };
    }
    const valid = this.deps.verify(
      fromHex(params.publicKey),
      challengeBytes(params.challenge),
      fromHex(params.signature),
    );
    if (!valid) {
      return { ok: false, reason: 'bad challenge signature' };
    }
    const checked = this.principal(params.publicKey, 'token');
    if (!checked.ok) {
      return checked;
    }
    const expiresAt = now + this.options.tokenTtlMs;
    const payload = Buffer.from(`${params.publicKey}.${expiresAt}`).toString('base64url');
    return { ok: true, token: `mct1.${payload}.${this.mac(payload)}`, expiresAt };
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url');
  }

  private fromToken(token: string): AuthResult {
    const match = /^mct1\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (match === null) {
      return { ok: false, reason: 'malformed bearer token' };
    }
    const expected = Buffer.from(this.mac(match[1]!));
    const given = Buffer.from(match[2]!);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      return { ok: false, reason: 'invalid bearer token' };
    }
    const [publicKey, expiry] = Buffer.from(match[1]!, 'base64url').toString().split('.');
    if (publicKey === undefined || Number(expiry) <= this.options.nowMs()) {
      return { ok: false, reason: 'the bearer token expired' };
    }
    return this.principal(publicKey, 'token');
  }
}

type AuthEnv = { Variables: { principal: Principal } };

/** Middleware: 401 problem+json unless the request authenticates; then `principalOf(c)`. */
export function requireMember(auth: Authenticator): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const result = await auth.authenticate(c.req.raw);
    if (!result.ok) {
      return problemResponse(problem('unauthenticated', result.reason));
    }
    c.set('principal', result.principal);
    await next();
    return undefined;
  };
}

/** The principal `requireMember` set on this request. */
export function principalOf(c: Context): Principal {
  const principal = (c as Context<AuthEnv>).get('principal');
  if (principal === undefined) {
    throw new Error('principalOf: the route is not behind requireMember');
  }
  return principal;
}

async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  try {
    const value = (await c.req.json()) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** POST /v1/auth/challenge, POST /v1/auth/token and GET /v1/auth/whoami. */
export function authRoutes(auth: Authenticator): Hono {
  const app = new Hono();
  app.post('/v1/auth/challenge', async (c) => {
    const { publicKey } = await jsonBody(c);
    if (typeof publicKey !== 'string' || !isHex(publicKey, 32)) {
      const detail = 'publicKey must be 32 bytes of lowercase hex';
      return problemResponse(problem('invalid_params', detail, 'publicKey'));
    }
    return c.json(auth.challenge(publicKey));
  });
  app.post('/v1/auth/token', async (c) => {
    const { publicKey, challenge, signature } = await jsonBody(c);
    if (typeof publicKey !== 'string' || typeof challenge !== 'string') {
      return problemResponse(problem('invalid_params', 'publicKey and challenge are required'));
    }
    const issued = auth.issueToken({ publicKey, challenge, signature: String(signature) });
    if (!issued.ok) {
      return problemResponse(problem('unauthenticated', issued.reason));
    }
    return c.json({ token: issued.token, tokenType: 'Bearer', expiresAt: issued.expiresAt });
  });
  app.get('/v1/auth/whoami', requireMember(auth), (c) => {
    const { publicKey, kind, organization, member, roles, via } = principalOf(c);
    return c.json({ publicKey, kind, organization, member: member ?? null, roles, via });
  });
  return app;
}
