/**
 * Record anchors: what the chain knows about a health record. Ids are pseudonymous and
 * categories coarse; the content itself is ciphertext in the custodian's vault, named here
 * only by its SHA-256, its size and an opaque locator. Nothing here is PHI.
 */

/** FHIR R4 resource types a record may hold. A coarse list on purpose: no free text. */
export const RESOURCE_TYPES = [
  'AllergyIntolerance',
  'CarePlan',
  'Condition',
  'DiagnosticReport',
  'DocumentReference',
  'Encounter',
  'ImagingStudy',
  'Immunization',
  'MedicationRequest',
  'MedicationStatement',
  'Observation',
  'Procedure',
] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

/** Coarse categories that consent scopes name. Never a diagnosis. */
export const CATEGORIES = [
  'laboratory',
  'imaging',
  'medication',
  'clinical-note',
  'vital-signs',
  'immunization',
  'allergy',
  'procedure',
  'encounter',
  'device-data',
  'genomic',
  'other',
] as const;
export type Category = (typeof CATEGORIES)[number];

/** Member roles that may author clinical records (on a practitioner). */
export const CLINICAL_MEMBER_ROLES = ['clinician', 'emergency'] as const;
/** Organization roles whose practitioners author clinical records. */
export const CLINICAL_ORGANIZATION_ROLES = ['hospital', 'clinic', 'lab', 'pharmacy'] as const;

/** What a patient's registered device may anchor: its own readings, nothing else. */
export const DEVICE_CATEGORIES: readonly Category[] = ['device-data', 'vital-signs'];
export const DEVICE_RESOURCE_TYPES: readonly ResourceType[] = ['Observation'];

/** Versions one record may have: confirming an erasure rewrites every one in one tx. */
export const VERSIONS_MAX = 48;
/** Record ids per page of a patient's index (one state key per page). */
export const PATIENT_PAGE_SIZE = 32;

/** One version of a record. Immutable except for the erasure tombstone. */
export type Anchor = {
  id: string;
  version: number;
  /** The version this one amends; null for the first. */
  previousVersion: number | null;
  patient: string;
  resourceType: ResourceType;
  category: Category;
  /** SHA-256 (hex) of the ciphertext in the vault. */
  contentHash: string;
  sizeBytes: number;
  /** Organization whose vault holds the ciphertext: the author's organization. */
  custodian: string;
  /** Opaque vault address, e.g. vault://<org>/<contentHash>. */
  locator: string;
  author: string;
  /** The author's signing key when it signed, so the signature checks after rotations. */
  authorKey: string;
  /** Ed25519 signature of the author over the record statement (statement.ts). */
  signature: string;
  anchoredAt: number;
  anchoredTime: number;
  /** Tombstone: the height at which the custodian confirmed erasure; null while live. */
  erasedAt: number | null;
};

export type RecordStatus = 'active' | 'erasure_requested' | 'erased';

/** The head of a record: its latest version inline, so one key answers "the record". */
export type RecordHead = {
  id: string;
  patient: string;
  custodian: string;
  /** Number of versions; versions are numbered 1..versions. */
  versions: number;
  status: RecordStatus;
  latest: Anchor;
};

/** A patient's record index: the count, then pages of ids under their own keys. */
export type PatientRecords = { patient: string; count: number };

/** A device a patient declared theirs; its readings are anchored for that patient. */
export type DeviceLink = {
  device: string;
  patient: string;
  linkedAt: number;
  active: boolean;
};

/** A patient's erasure request and, once the custodian confirms, its receipt. */
export type Erasure = {
  record: string;
  patient: string;
  custodian: string;
  /** Hash of the patient's requestErasure transaction. */
  request: string;
  requestedAt: number;
  requestedTime: number;
  status: 'requested' | 'confirmed';
  confirmedAt: number | null;
  confirmedTime: number | null;
  /** Hash of the custodian's confirmErasure transaction: the patient's receipt. */
  receipt: string | null;
};
