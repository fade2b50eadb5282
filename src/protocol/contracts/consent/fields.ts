/** Argument parsers for consent fields: closed lists and bounded numbers, no free text. */
import { hex, integer, list, object, oneOf, optional } from '../engine/args.js';
import { category, recordId, resourceType } from '../records/fields.js';
import { CATEGORIES, RESOURCE_TYPES } from '../records/types.js';
import {
  BREAK_GLASS_DURATION_MS_MAX,
  BREAK_GLASS_DURATION_MS_MIN,
  BREAK_GLASS_REASONS,
  GRANTEE_KINDS,
  KEY_RELEASES,
  PURPOSES,
  SCOPE_RECORD_IDS_MAX,
} from './types.js';

export const purpose = oneOf(PURPOSES);
export const granteeKind = oneOf(GRANTEE_KINDS);
export const keyRelease = oneOf(KEY_RELEASES);
export const consensusTimeMs = integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
export const transactionId = hex(32, 'a transaction hash');
export const breakGlassReason = oneOf(BREAK_GLASS_REASONS);
export const justificationHash = hex(32, 'the SHA-256 of the salted written justification');
export const breakGlassDurationMs = integer({
  min: BREAK_GLASS_DURATION_MS_MIN,
  max: BREAK_GLASS_DURATION_MS_MAX,
});

export const scope = object({
  categories: optional(list(category, { lengthMax: CATEGORIES.length, unique: true })),
  resourceTypes: optional(list(resourceType, { lengthMax: RESOURCE_TYPES.length, unique: true })),
  recordIds: optional(list(recordId, { lengthMax: SCOPE_RECORD_IDS_MAX, unique: true })),
});
