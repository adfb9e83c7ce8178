import type { Issue } from '../../errors/issue.js';
import { isJsonObject } from '../model/json-object.js';
import { r4TypeDefinitions } from '../model/r4-structure-definitions.js';
import { buildElementTables } from './element-tables.js';
import { dedupeIssues, errorIssue, showValue } from './issues.js';
import { SchemaValidator } from './schema-validator.js';
import { StructureWalker } from './structure-walker.js';

/**
 * Structural validation of a FHIR R4 resource against the official R4 definitions
 * (https://hl7.org/fhir/R4/validation.html, "structure" and "cardinality" aspects): the JSON
 * schema (types, unknown elements, required-binding codes, primitive regexes, arrays vs single
 * values) plus what only the StructureDefinition snapshots know (structure-walker.ts).
 * Invariants (FHIRPath constraints), terminology beyond required enums and profiles are not
 * checked here.
 */
export interface Validator {
  /** Never throws. Empty = valid; any issue of severity 'error' means: reject the write. */
  validate(resource: unknown): Issue[];
}

export { DefinitionsError } from './fhir-schema.js';

/** Builds the validator (~2 s: definitions are read and ajv compiles). Keep one per process. */
export function createValidator(): Validator {
  const tables = buildElementTables(r4TypeDefinitions());
  const schema = new SchemaValidator(tables);
  const walker = new StructureWalker(tables);
  return {
    validate(resource: unknown): Issue[] {
      if (!isJsonObject(resource)) {
        return [errorIssue('structure', `A resource must be a JSON object, found ${showValue(resource)}`)];
      }
      const type = resource['resourceType'];
      if (type === undefined) {
        return [errorIssue('required', "Missing required element 'resourceType'", 'resourceType')];
      }
      if (typeof type !== 'string') return [errorIssue('structure', 'resourceType must be a string', 'resourceType')];
      if (!tables.resourceTypes.has(type)) {
        const text = `Unknown resource type ${showValue(type)}: not an R4 resource type`;
        return [errorIssue('not-supported', text, 'resourceType')];
      }
      const issues = schema.validate(resource);
      walker.walkResource(resource, type, issues);
      return dedupeIssues(issues);
    },
  };
}
