import type { Issue } from '../../errors/issue.js';
import { isJsonObject, type JsonObject } from '../model/json-object.js';
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
 * Invariants (FHIRPath constraints), terminology beyond required enums and profiles are
 * checked by ProfileValidator (profile-validator.ts), which runs this one first.
 */
export interface Validator {
  /** Never throws. Empty = valid; any issue of severity 'error' means: reject the write. */
  validate(resource: unknown, options?: ValidateOptions): Issue[];
}

/** What a caller may add to a validation (the structural validator ignores it). */
export interface ValidateOptions {
  /** Profiles to validate against besides meta.profile ($validate's `profile`); unknown ones are errors. */
  readonly profiles?: readonly string[];
}

export { DefinitionsError } from './fhir-schema.js';

type Checked = { readonly resource: JsonObject; readonly type: string } | { readonly issue: Issue };

/** What every input must be before the schema and the walk look at it: an R4 resource. */
function asResource(input: unknown, resourceTypes: ReadonlySet<string>): Checked {
  if (!isJsonObject(input)) {
    return { issue: errorIssue('structure', `A resource must be a JSON object, found ${showValue(input)}`) };
  }
  const type = input['resourceType'];
  if (type === undefined) {
    return { issue: errorIssue('required', "Missing required element 'resourceType'", 'resourceType') };
  }
  if (typeof type !== 'string') {
    return { issue: errorIssue('structure', 'resourceType must be a string', 'resourceType') };
  }
  if (!resourceTypes.has(type)) {
    const text = `Unknown resource type ${showValue(type)}: not an R4 resource type`;
    return { issue: errorIssue('not-supported', text, 'resourceType') };
  }
  return { resource: input, type };
}

/** Builds the validator (~2 s: definitions are read and ajv compiles). Keep one per process. */
export function createValidator(): Validator {
  const tables = buildElementTables(r4TypeDefinitions());
  const schema = new SchemaValidator(tables);
  const walker = new StructureWalker(tables);
  return {
    validate(input: unknown): Issue[] {
      const checked = asResource(input, tables.resourceTypes);
      if ('issue' in checked) return [checked.issue];
      try {
        const issues = schema.validate(checked.resource);
        walker.walkResource(checked.resource, checked.type, issues);
        return dedupeIssues(issues);
      } catch (err: unknown) {
        // Stack exhaustion: the regex engine on multi-megabyte strings (the `code` pattern), or
        // nesting thousands of levels deep. The input is too big to check, not a server fault.
        if (err instanceof RangeError) return [errorIssue('too-costly', `Too large to validate: ${err.message}`)];
        throw err;
      }
    },
  };
}
