/**
 * Record anchors as DocumentReference, Observation and Provenance. The chain holds only
 * metadata: the document's content is ciphertext in the custodian's vault, so the
 * attachment points there, and an Observation carries no value (its value is in the
 * encrypted document it is derived from, and is marked `masked` here).
 */
import type { Member } from '../../../protocol/contracts/identity/types.js';
import type { Anchor, RecordHead } from '../../../protocol/contracts/records/types.js';
import { fromHex } from '../../../protocol/core/bytes.js';
import { instant, memberRef, organizationRef, patientRef, SYSTEM } from './codes.js';
import type { DocumentReference, Observation, Provenance } from './types.js';

/** Categories FHIR's observation-category code system also defines. */
const OBSERVATION_CATEGORIES: Record<string, string> = {
  'vital-signs': 'vital-signs',
  laboratory: 'laboratory',
  imaging: 'imaging',
  procedure: 'procedure',
};

function categoryConcept(category: string): { coding: { system: string; code: string }[] } {
  return { coding: [{ system: SYSTEM.category, code: category }] };
}

function meta(anchor: Anchor) {
  return { versionId: `${anchor.version}`, lastUpdated: instant(anchor.anchoredTime) };
}

/** `vaultBase` is the API origin whose /v1/vault routes serve the custodian's objects. */
export function toDocumentReference(
  head: RecordHead,
  author: Member | undefined,
  vaultBase: string,
): DocumentReference {
  const anchor = head.latest;
  return {
    resourceType: 'DocumentReference',
    id: head.id,
    meta: meta(anchor),
    identifier: [{ system: SYSTEM.record, value: head.id }],
    status: 'current',
    type: { coding: [{ system: SYSTEM.resourceTypes, code: anchor.resourceType }] },
    category: [categoryConcept(anchor.category)],
    subject: patientRef(head.patient),
    date: instant(anchor.anchoredTime),
    author: [memberRef(anchor.author, author)],
    custodian: organizationRef(head.custodian),
    content: [
      {
        attachment: {
          contentType: 'application/octet-stream',
          url: `${vaultBase}/v1/vault/objects/${anchor.contentHash}`,
          size: anchor.sizeBytes,
          // attachment.hash is SHA-1 in R4; the chain binds SHA-256, carried as an extension.
          extension: [{ url: SYSTEM.contentSha256, valueString: anchor.contentHash }],
        },
      },
    ],
  };
}

export function toObservation(head: RecordHead, author: Member | undefined): Observation {
  const anchor = head.latest;
  const fhirCategory = OBSERVATION_CATEGORIES[anchor.category];
  const category = categoryConcept(anchor.category);
  if (fhirCategory !== undefined) {
    category.coding.push({ system: SYSTEM.observationCategory, code: fhirCategory });
  }
  return {
    resourceType: 'Observation',
    id: head.id,
    meta: meta(anchor),
    status: anchor.version > 1 ? 'amended' : 'final',
    category: [category],
    // The coded observation is inside the encrypted document; the chain knows only its kind.
    code: { ...categoryConcept(anchor.category), text: 'coded in the encrypted document' },
    subject: patientRef(head.patient),
    effectiveDateTime: instant(anchor.anchoredTime),
    issued: instant(anchor.anchoredTime),
    performer: [memberRef(anchor.author, author)],
    dataAbsentReason: {
      coding: [{ system: SYSTEM.dataAbsent, code: 'masked' }],
      text: 'the value is in the encrypted document this observation is derived from',
    },
    derivedFrom: [{ reference: `DocumentReference/${head.id}` }],
  };
}

function base64(hex: string): string {
  return Buffer.from(fromHex(hex)).toString('base64');
}

/** Provenance of the latest version: who authored it, who keeps it, and the signature. */
export function toProvenance(head: RecordHead, author: Member | undefined): Provenance {
  const anchor = head.latest;
  const who = memberRef(anchor.author, author);
  const participant = 'http://terminology.hl7.org/CodeSystem/provenance-participant-type';
  const target = [{ reference: `DocumentReference/${head.id}/_history/${anchor.version}` }];
  if (anchor.resourceType === 'Observation') {
    target.push({ reference: `Observation/${head.id}/_history/${anchor.version}` });
  }
  return {
    resourceType: 'Provenance',
    id: head.id,
    meta: meta(anchor),
    target,
    recorded: instant(anchor.anchoredTime),
    activity: {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/v3-DataOperation',
          code: anchor.version > 1 ? 'UPDATE' : 'CREATE',
        },
      ],
    },
    agent: [
      { type: { coding: [{ system: participant, code: 'author' }] }, who },
      {
        type: { coding: [{ system: participant, code: 'custodian' }] },
        who: organizationRef(head.custodian),
      },
    ],
    signature: [
      {
        type: [{ system: 'urn:iso-astm:E1762-95:2013', code: '1.2.840.10065.1.12.1.1' }],
        when: instant(anchor.anchoredTime),
        who,
        sigFormat: 'application/octet-stream',
        data: base64(anchor.signature),
      },
    ],
  };
}
