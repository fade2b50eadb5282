/**
 * Argument parsers for identity fields, shared by the actions and the genesis file so that
 * the same id or key is valid in both places.
 */
import { hex, list, oneOf, text } from '../engine/args.js';
import { MEMBER_KINDS, ORGANIZATION_ROLES } from './types.js';

export const ID_PATTERN = /^[a-z0-9-]{3,64}$/;
const ROLE_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;
/** Printable text without leading or trailing spaces: no control characters in state. */
const NAME_PATTERN = /^[^\s\p{Cc}](?:[^\p{Cc}]{0,126}[^\s\p{Cc}])?$/u;
export const MEMBER_ROLES_MAX = 16;

export const organizationId = text(ID_PATTERN, '3-64 characters of a-z, 0-9 and -');
export const memberId = text(ID_PATTERN, '3-64 characters of a-z, 0-9 and -');
export const displayName = text(NAME_PATTERN, '1-128 printable characters, not padded');
export const organizationRole = oneOf(ORGANIZATION_ROLES);
export const memberKind = oneOf(MEMBER_KINDS);
export const signingKey = hex(32, 'an Ed25519 public key');
export const encryptionKey = hex(32, 'an X25519 public key');
export const memberRoles = list(text(ROLE_PATTERN, 'a role name like "clinician"'), {
  lengthMax: MEMBER_ROLES_MAX,
  unique: true,
});
