/**
 * Typed reads and writes of records state. Stored values were written by this module, so
 * a read is a cast; the assertions catch a corrupted or foreign value before it is used.
 */
import { assert } from '../../core/assert.js';
import type { JsonValue } from '../../core/canonical.js';
import type { ActionContext, StateRead } from '../engine/module.js';
import {
  deviceKey,
  erasureKey,
  patientKey,
  patientPageKey,
  recordKey,
  versionKey,
} from './keys.js';
import { appendToPage } from './paged-list.js';
import type { Anchor, DeviceLink, Erasure, PatientRecords, RecordHead } from './types.js';
import { PATIENT_PAGE_SIZE } from './types.js';

function load<T>(get: StateRead, key: string): T | undefined {
  const value = get(key);
  assert(
    value === undefined || (typeof value === 'object' && value !== null && !Array.isArray(value)),
    `${key}: not a record`,
  );
  return value as T | undefined;
}

export function loadRecord(get: StateRead, id: string): RecordHead | undefined {
  return load<RecordHead>(get, recordKey(id));
}

export function loadVersion(get: StateRead, id: string, version: number): Anchor | undefined {
  return load<Anchor>(get, versionKey(id, version));
}

export function loadDevice(get: StateRead, device: string): DeviceLink | undefined {
  return load<DeviceLink>(get, deviceKey(device));
}

export function loadErasure(get: StateRead, record: string): Erasure | undefined {
  return load<Erasure>(get, erasureKey(record));
}

export function saveRecord(context: ActionContext, head: RecordHead): void {
  context.set(recordKey(head.id), head as unknown as JsonValue);
}

export function saveVersion(context: ActionContext, anchor: Anchor): void {
  context.set(versionKey(anchor.id, anchor.version), anchor as unknown as JsonValue);
}

export function saveDevice(context: ActionContext, link: DeviceLink): void {
  context.set(deviceKey(link.device), link as unknown as JsonValue);
}

export function saveErasure(context: ActionContext, erasure: Erasure): void {
  context.set(erasureKey(erasure.record), erasure as unknown as JsonValue);
}

/** Adds a new record id to its patient's index: the count, then the page it falls in. */
export function indexPatientRecord(context: ActionContext, patient: string, id: string): void {
  const current = load<PatientRecords>(context.get, patientKey(patient));
  const count = current?.count ?? 0;
  appendToPage(
    context,
    { pageKey: (page) => patientPageKey(patient, page), pageSize: PATIENT_PAGE_SIZE },
    { index: count, item: id },
  );
  context.set(patientKey(patient), { patient, count: count + 1 });
}
