import type { CapabilityStatement, CapabilityStatementRestResource, CapabilityStatementRestSecurity } from 'fhir/r4.js';
import { RESOURCE_TYPES } from './model/resource-types.js';
import { shippedProfiles } from '../terminology/shipped-layer.js';
import type { FhirOperation } from './operations/types.js';
import type { RouteSpec, SystemInteraction, TypeInteraction } from './rest/routes.js';
import { commonSearchParams, typeSearchCapabilities } from './search/capability.js';

export interface SoftwareInfo {
  readonly name: string;
  readonly version: string;
  /** Fixed so the committed statement only changes when capabilities do. */
  readonly releaseDate: string;
}

const TYPE_ORDER: readonly TypeInteraction[] = [
  'read',
  'vread',
  'update',
  'patch',
  'delete',
  'history-instance',
  'history-type',
  'create',
  'search-type',
];

/** System-level interactions (https://hl7.org/fhir/R4/valueset-system-restful-interaction.html). */
const SYSTEM_ORDER: readonly SystemInteraction[] = ['transaction', 'batch', 'search-system', 'history-system'];

/**
 * The CapabilityStatement derived from the route table
 * (https://hl7.org/fhir/R4/capabilitystatement.html): an interaction is listed
 * only if a route implements it.
 */
function withOperations(ops: readonly FhirOperation[]): { operation?: { name: string; definition: string }[] } {
  return ops.length === 0 ? {} : { operation: operationRefs(ops) };
}

/** CapabilityStatement.rest.resource.operation / rest.operation entries. */
function operationRefs(ops: readonly FhirOperation[]): { name: string; definition: string }[] {
  return ops.map((o) => ({ name: o.code, definition: o.definition.url ?? `OperationDefinition/${o.code}` }));
}

/**
 * Our profiles (profiles/), per resource type
 * (https://hl7.org/fhir/R4/capabilitystatement-definitions.html#CapabilityStatement.rest.resource.supportedProfile).
 */
function supportedProfiles(type: string): { supportedProfile?: string[] } {
  const urls = shippedProfiles().get(type);
  return urls === undefined ? {} : { supportedProfile: [...urls] };
}

export function buildCapabilityStatement(
  routes: readonly RouteSpec[],
  operations: readonly FhirOperation[],
  baseUrl: string,
  sw: SoftwareInfo,
  /** rest.security when the server requires tokens (AUTH_MODE=smart); none in development mode. */
  security?: CapabilityStatementRestSecurity,
): CapabilityStatement {
  const implemented = new Set(routes.map((r) => r.interaction));
  const typeInteractions = TYPE_ORDER.filter((i) => implemented.has(i));
  const system = SYSTEM_ORDER.filter((i) => implemented.has(i));
  const conditional = routes.filter((r) => r.name.endsWith('-conditional')).map((r) => r.interaction);
  const types = [...RESOURCE_TYPES].sort();
  const search = implemented.has('search-type');
  const resource: CapabilityStatementRestResource[] = types.map((type) => ({
    type: type as CapabilityStatementRestResource['type'],
    profile: `http://hl7.org/fhir/StructureDefinition/${type}`,
    ...supportedProfiles(type),
    interaction: typeInteractions.map((code) => ({ code })),
    versioning: 'versioned-update',
    readHistory: true,
    updateCreate: true,
    conditionalCreate: implemented.has('create'),
    conditionalRead: 'full-support',
    conditionalUpdate: conditional.includes('update'),
    conditionalDelete: conditional.includes('delete') ? 'single' : 'not-supported',
    ...(search ? typeSearchCapabilities(type, types) : {}),
    ...withOperations(
      operations.filter(
        (o) => o.levels.some((l) => l !== 'system') && (o.resourceTypes === '*' || o.resourceTypes.includes(type)),
      ),
    ),
  }));
  const systemOps = operations.filter((o) => o.levels.includes('system'));
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: sw.releaseDate,
    publisher: 'FHIR PMS server project',
    kind: 'instance',
    software: { name: sw.name, version: sw.version, releaseDate: sw.releaseDate },
    implementation: { description: 'FHIR R4 Patient Management server', url: baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    patchFormat: ['application/json-patch+json', 'application/fhir+json'],
    rest: [
      {
        mode: 'server',
        documentation: 'All R4 resource types are stored with full version history.',
        ...(security === undefined ? {} : { security }),
        resource,
        interaction: system.map((code) => ({ code })),
        ...(implemented.has('search-system') ? { searchParam: commonSearchParams() } : {}),
        ...withOperations(systemOps),
      },
    ],
  };
}
