/**
 * The records module: anchors of health records (hash, size, locator, author signature),
 * their version chains, device links and erasure tombstones. Built from the Crypto port
 * because an anchor verifies its author's signature. Spec: docs/spec/records.md.
 */
import type { Crypto } from '../../core/crypto.js';
import type { ActionDefinition, ModuleDefinition } from '../engine/module.js';
import { amendRecordAction } from './amend-record.js';
import { anchorRecordAction } from './anchor-record.js';
import { confirmErasure, requestErasure } from './erasure.js';
import { linkDevice, unlinkDevice } from './link-device.js';
import { recordsQueries } from './queries.js';
import { RECORDS_CODE_BASE, RECORDS_RESULTS } from './results.js';

export function createRecordsModule(crypto: Crypto): ModuleDefinition {
  const actions = [
    anchorRecordAction(crypto),
    amendRecordAction(crypto),
    linkDevice,
    unlinkDevice,
    requestErasure,
    confirmErasure,
  ] as ActionDefinition<unknown>[];
  return {
    name: 'records',
    codeBase: RECORDS_CODE_BASE,
    results: Object.values(RECORDS_RESULTS),
    actions,
    queries: recordsQueries,
    // Records start empty: a genesis with records would carry no author signatures.
    genesis: () => [],
  };
}
