/** State keys of the records module; the layout is in docs/spec/records.md. */

export function recordKey(id: string): string {
  return `records/record/${id}`;
}

export function versionKey(id: string, version: number): string {
  return `records/version/${id}/${version}`;
}

/** The count of a patient's records. */
export function patientKey(patient: string): string {
  return `records/patient/${patient}`;
}

/** One page of a patient's record ids, in anchoring order. */
export function patientPageKey(patient: string, page: number): string {
  return `records/patient/${patient}/${page}`;
}

export function deviceKey(device: string): string {
  return `records/device/${device}`;
}

export function erasureKey(record: string): string {
  return `records/erasure/${record}`;
}
