/**
 * The CapabilityStatement, derived from the same tables the router and the search parser
 * use, so it states exactly what the facade does: read and search-type for eight types,
 * create for two, no history, no update or delete, JSON only.
 */
import { INCLUDES, SEARCH_PARAMS } from './search-params.js';
import { type CapabilityStatement, FHIR_TYPES, type FhirType } from './types.js';

export const CREATABLE: readonly FhirType[] = ['DocumentReference', 'Observation'];

const DEFINITION_BASE = 'http://hl7.org/fhir/SearchParameter';

function resourceEntry(type: FhirType) {
  const interactions = ['read', 'search-type', ...(CREATABLE.includes(type) ? ['create'] : [])];
  const searchInclude = Object.keys(INCLUDES).filter((key) => INCLUDES[key]?.type === type);
  return {
    type,
    interaction: interactions.map((code) => ({ code: code as 'read' })),
    versioning: 'no-version' as const,
    readHistory: false,
    updateCreate: false,
    conditionalCreate: false,
    conditionalUpdate: false,
    conditionalDelete: 'not-supported' as const,
    ...(searchInclude.length === 0 ? {} : { searchInclude }),
    searchParam: SEARCH_PARAMS[type].map((param) => ({
      name: param.name,
      definition:
        param.name === '_id'
          ? `${DEFINITION_BASE}/Resource-id`
          : `${DEFINITION_BASE}/${definitionName(type, param.name)}`,
      type: param.kind,
      documentation: param.documentation,
    })),
  };
}

/** Standard SearchParameters shared across types; the rest are named `<Type>-<name>`. */
const SHARED_DEFINITIONS: Record<string, string> = {
  'DocumentReference.patient': 'clinical-patient',
  'DocumentReference.type': 'clinical-type',
  'Observation.patient': 'clinical-patient',
  'Observation.date': 'clinical-date',
  'Consent.patient': 'clinical-patient',
  'Consent.date': 'clinical-date',
};

function definitionName(type: FhirType, name: string): string {
  return SHARED_DEFINITIONS[`${type}.${name}`] ?? `${type}-${name}`;
}

export function capabilityStatement(baseUrl: string, date: string): CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date,
    kind: 'instance',
    software: { name: 'medchain FHIR facade' },
    implementation: { description: 'FHIR R4 view of medchain chain state', url: baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        documentation:
          'Every request is made by a chain member; a patient sees only its own resources, ' +
          'including through search and _include. History, update and delete are not supported.',
        security: { cors: false, description: 'Requests are authenticated as chain members.' },
        resource: FHIR_TYPES.map(resourceEntry),
        searchParam: [
          {
            name: '_count',
            type: 'number',
            documentation: `page size, default 50, at most 200`,
          },
          { name: '_offset', type: 'number', documentation: 'index of the first match' },
        ],
      },
    ],
  };
}
