/**
 * Argument parsers for records fields. Ids follow the identity id pattern (they end up in
 * state keys); the resource type and category come from closed lists, so no free text
 * about a patient's health can reach the chain through them.
 */
import { hex, integer, oneOf, text } from '../engine/args.js';
import { ID_PATTERN } from '../identity/fields.js';
import { CATEGORIES, RESOURCE_TYPES, VERSIONS_MAX } from './types.js';

/** Printable ASCII without spaces, 1-256 characters: an address, never a sentence. */
const LOCATOR_PATTERN = /^[\x21-\x7e]{1,256}$/;

export const recordId = text(ID_PATTERN, '3-64 characters of a-z, 0-9 and -');
export const memberId = text(ID_PATTERN, '3-64 characters of a-z, 0-9 and -');
export const resourceType = oneOf(RESOURCE_TYPES);
export const category = oneOf(CATEGORIES);
export const contentHash = hex(32, 'the SHA-256 of the ciphertext');
export const sizeBytes = integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
export const locator = text(LOCATOR_PATTERN, '1-256 printable ASCII characters, no spaces');
export const signature = hex(64, 'an Ed25519 signature');
export const version = integer({ min: 1, max: VERSIONS_MAX });
