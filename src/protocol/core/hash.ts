/**
 * Domain-separated hashing. Every hashed structure has its own tag so that bytes valid
 * as one kind of object can never be replayed as another (a transaction as a vote, say).
 */
import { type Bytes, toHex, utf8 } from './bytes.js';
import { canonicalBytesAfter } from './canonical.js';
import type { Crypto } from './crypto.js';

export type Hash = string & { readonly __brand: 'Hash' };

export const DOMAIN = {
  transaction: 'medchain:tx:v1\n',
  block: 'medchain:block:v1\n',
  commit: 'medchain:commit:v1\n',
  genesis: 'medchain:genesis:v1\n',
  vote: 'medchain:vote:v1\n',
  proposal: 'medchain:proposal:v1\n',
} as const;
export type Domain = keyof typeof DOMAIN;

const DOMAIN_BYTES: Record<Domain, Bytes> = {
  transaction: utf8(DOMAIN.transaction),
  block: utf8(DOMAIN.block),
  commit: utf8(DOMAIN.commit),
  genesis: utf8(DOMAIN.genesis),
  vote: utf8(DOMAIN.vote),
  proposal: utf8(DOMAIN.proposal),
};

/** The bytes that are hashed and signed for a structure of kind `domain`. */
export function domainBytes(domain: Domain, value: unknown): Bytes {
  return canonicalBytesAfter(DOMAIN_BYTES[domain], value);
}

export function hashOf(crypto: Crypto, domain: Domain, value: unknown): Hash {
  return toHex(crypto.sha256(domainBytes(domain, value))) as Hash;
}
