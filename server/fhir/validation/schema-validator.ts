import { Ajv, type ValidateFunction } from 'ajv';
import type { Issue } from '../../errors/issue.js';
import type { JsonObject } from '../model/json-object.js';
import { R4ValueSets } from '../model/r4-value-sets.js';
import { ajvIssues } from './ajv-issues.js';
import type { ElementTables } from './element-tables.js';
import { loadFhirSchema } from './fhir-schema.js';
import { Locator } from './fhir-path.js';

/**
 * ajv compiled once against the prepared R4 JSON schema (fhir-schema.ts); ~1-2 s, so callers
 * build one per process. `allErrors` so that a client sees every problem of a write at once;
 * `strict: false` because the schema carries annotations ajv does not know (`discriminator`
 * is enabled explicitly); the schema is trusted, so it is not re-validated against its meta-schema.
 */
export class SchemaValidator {
  private readonly validateFn: ValidateFunction;
  private readonly locator: Locator;

  constructor(tables: ElementTables) {
    const ajv = new Ajv({ strict: false, discriminator: true, allErrors: true, validateSchema: false });
    const valueSets = new R4ValueSets();
    this.validateFn = ajv.compile(loadFhirSchema(tables, (url) => valueSets.codes(url)));
    this.locator = new Locator(tables);
  }

  /** Issues for one resource whose resourceType is a known R4 type. */
  validate(resource: JsonObject): Issue[] {
    if (this.validateFn(resource)) return [];
    return ajvIssues(this.validateFn.errors ?? [], resource, this.locator);
  }
}
