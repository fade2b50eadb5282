/**
 * Records queries. Each answers with the one state key it read, so the node can prove the
 * answer. A patient's records are listed page by page: `patient` gives the count, and
 * `byPatient` one page of record ids (pages hold PATIENT_PAGE_SIZE ids, oldest first).
 */
import type { QueryDefinition } from '../engine/module.js';
import { ID_PATTERN } from '../identity/fields.js';
import { byId, ID_MESSAGE, read } from '../identity/queries.js';
import {
  deviceKey,
  erasureKey,
  patientKey,
  patientPageKey,
  recordKey,
  versionKey,
} from './keys.js';
import { parsePage } from './paged-list.js';
import { VERSIONS_MAX } from './types.js';

const VERSION_PATTERN = /^[1-9][0-9]{0,2}$/;

/** One page of a list owned by an id: `page` defaults to 0. */
export function pageById(
  name: string,
  param: string,
  keyOf: (id: string, page: number) => string,
): QueryDefinition {
  return {
    name,
    params: [param, 'page'],
    run(get, params) {
      const id = params[param];
      if (id === undefined || !ID_PATTERN.test(id)) {
        return { ok: false, message: `${param} ${ID_MESSAGE}` };
      }
      const page = parsePage(params.page);
      if (page === undefined) {
        return { ok: false, message: 'page must be a page number from 0' };
      }
      return read(get, keyOf(id, page));
    },
  };
}

const versionQuery: QueryDefinition = {
  name: 'version',
  params: ['id', 'version'],
  run(get, params) {
    const { id, version } = params;
    if (id === undefined || !ID_PATTERN.test(id)) {
      return { ok: false, message: `id ${ID_MESSAGE}` };
    }
    if (version === undefined || !VERSION_PATTERN.test(version) || Number(version) > VERSIONS_MAX) {
      return { ok: false, message: `version must be a number from 1 to ${VERSIONS_MAX}` };
    }
    return read(get, versionKey(id, Number(version)));
  },
};

export const recordsQueries: readonly QueryDefinition[] = [
  byId('record', 'id', recordKey),
  versionQuery,
  byId('patient', 'patient', patientKey),
  pageById('byPatient', 'patient', patientPageKey),
  byId('device', 'id', deviceKey),
  byId('erasure', 'record', erasureKey),
];
