/**
 * Signed API requests (docs/spec/auth.md). A member proves who is asking by signing, with
 * its Ed25519 member key, a canonical string of the request: method, path and query, the
 * SHA-256 of the body, a timestamp and a random nonce. The node checks the key against
 * chain state, the time against a replay window and the nonce against a cache. The same
 * strings are built here and on the node, so the two can never disagree.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { type Bytes, toHex, utf8 } from '../protocol/core/bytes.js';
import type { Signer } from '../protocol/core/crypto.js';
import { randomBytes } from './keys.js';

export const REQUEST_DOMAIN = 'medchain:request:v1\n';
export const CHALLENGE_DOMAIN = 'medchain:auth-challenge:v1\n';
/** Declared instead of a body hash for a streamed vault upload: the body is content-addressed. */
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const CONTENT_SHA256_HEADER = 'x-medchain-content-sha256';
export const AUTH_SCHEME = 'Medchain';

export interface RequestToSign {
  method: string;
  /** Path and query exactly as sent, e.g. /v1/state/consent/grants?patient=p-1. */
  pathAndQuery: string;
  /** Lowercase hex SHA-256 of the body (of nothing when there is none), or UNSIGNED_PAYLOAD. */
  bodySha256: string;
  /** Milliseconds since the Unix epoch. */
  timestampMs: number;
  /** 16 or more random bytes, hex. */
  nonce: string;
}

/** The bytes a signed request's signature covers. */
export function canonicalRequestBytes(request: RequestToSign): Bytes {
  return utf8(
    [
      REQUEST_DOMAIN.trimEnd(),
      request.method.toUpperCase(),
      request.pathAndQuery,
      request.bodySha256,
      String(request.timestampMs),
      request.nonce,
    ].join('\n'),
  );
}

/** What a token request signs: the node's one-time challenge, domain-separated. */
export function challengeBytes(challenge: string): Bytes {
  return utf8(`${CHALLENGE_DOMAIN}${challenge}`);
}

export function bodySha256Hex(body: Bytes | string | undefined): string {
  const bytes =
    body === undefined ? new Uint8Array(0) : typeof body === 'string' ? utf8(body) : body;
  return toHex(sha256(bytes));
}

/**
 * The headers that authenticate one request: `authorization: Medchain keyId=…, ts=…,
 * nonce=…, sig=…` and the declared body hash.
 */
export function signRequestHeaders(
  signer: Signer,
  request: Omit<RequestToSign, 'timestampMs' | 'nonce'> & { timestampMs?: number },
): Record<string, string> {
  const full: RequestToSign = {
    ...request,
    timestampMs: request.timestampMs ?? Date.now(),
    nonce: toHex(randomBytes(16)),
  };
  const signature = toHex(signer.sign(canonicalRequestBytes(full)));
  const keyId = toHex(signer.publicKey);
  return {
    authorization:
      `${AUTH_SCHEME} keyId=${keyId}, ts=${full.timestampMs}, nonce=${full.nonce}, ` +
      `sig=${signature}`,
    [CONTENT_SHA256_HEADER]: full.bodySha256,
  };
}

export interface ParsedAuthorization {
  keyId: string;
  timestampMs: number;
  nonce: string;
  signature: string;
}

/** Parses a `Medchain …` authorization header; undefined when it is not one. */
export function parseAuthorization(header: string): ParsedAuthorization | undefined {
  const match = /^Medchain\s+(.+)$/i.exec(header.trim());
  if (match === null) {
    return undefined;
  }
  const fields = new Map<string, string>();
  for (const part of match[1]!.split(',')) {
    const pair = /^\s*([a-zA-Z]+)=([0-9a-fA-F]+)\s*$/.exec(part);
    if (pair === null) {
      return undefined;
    }
    fields.set(pair[1]!, pair[2]!);
  }
  const keyId = fields.get('keyId');
  const ts = fields.get('ts');
  const nonce = fields.get('nonce');
  const signature = fields.get('sig');
  if (keyId === undefined || ts === undefined || nonce === undefined || signature === undefined) {
    return undefined;
  }
  if (!/^\d{1,15}$/.test(ts)) {
    return undefined;
  }
  return { keyId, timestampMs: Number(ts), nonce, signature };
}
