import type { ErrorObject } from 'ajv';
import type { Issue } from '../../errors/issue.js';
import type { JsonObject } from '../model/json-object.js';
import type { Locator } from './fhir-path.js';
import { errorIssue, showValue } from './issues.js';

/**
 * Turns ajv's errors into OperationOutcome issues (https://hl7.org/fhir/R4/valueset-issue-type.html):
 * unknown element, wrong JSON type, array vs single value, empty object/array → `structure`;
 * missing element → `required`; bad primitive lexical form → `value`; code outside a required
 * binding → `code-invalid`; unknown resource type → `not-supported`.
 *
 * With allErrors, a value of the wrong type also fails the keywords of the right type (a
 * number where a string is due fails `pattern` too): per location, a type error hides the rest.
 */

function jsType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function typeIssue(expression: string, expected: unknown, value: unknown, fhirType: string | undefined): Issue {
  const types: readonly unknown[] = Array.isArray(expected) ? expected : [expected];
  return errorIssue('structure', `${expression}: ${typeProblem(types, value, fhirType)}`, expression);
}

function typeProblem(types: readonly unknown[], value: unknown, fhirType: string | undefined): string {
  if (types.includes('array')) return 'this element repeats, so its value must be a JSON array';
  if (Array.isArray(value)) return 'this element does not repeat, so its value must be a single value';
  if (value === null) return 'null is not allowed here';
  if (types.includes('object')) return `expected an object (${fhirType ?? 'a complex type'}), found ${jsType(value)}`;
  return `expected ${fhirType ?? types.filter((t) => t !== 'null').map(String).join(' or ')}, found ${jsType(value)}`;
}

function discriminatorIssue(e: ErrorObject, expression: string): Issue {
  const tagValue: unknown = e.params['tagValue'];
  if (e.params['error'] === 'mapping') {
    return errorIssue('not-supported', `${expression}: unknown resource type ${showValue(tagValue)}`, expression);
  }
  if (tagValue === undefined) {
    const at = `${expression}.resourceType`;
    return errorIssue('required', `Missing required element 'resourceType' in ${expression}`, at);
  }
  return errorIssue('structure', `${expression}: resourceType must be a string`, `${expression}.resourceType`);
}

function oneIssue(e: ErrorObject, root: JsonObject, locator: Locator): Issue {
  const at = locator.locate(root, e.instancePath);
  const where = at.expression;
  switch (e.keyword) {
    case 'additionalProperties': {
      const name = String(e.params['additionalProperty']);
      return errorIssue('structure', `Unknown element '${name}' in ${where}`, `${where}.${name}`);
    }
    case 'required': {
      const name = String(e.params['missingProperty']);
      return errorIssue('required', `Missing required element '${name}' in ${where}`, `${where}.${name}`);
    }
    case 'type':
      return typeIssue(where, e.params['type'], at.value, at.fhirType);
    case 'enum': {
      const values: unknown = e.params['allowedValues'];
      const allowed = Array.isArray(values) ? values.filter((v) => v !== null).map(String) : [];
      return errorIssue('code-invalid', `${where}: ${showValue(at.value)} is not one of ${allowed.join(', ')}`, where);
    }
    case 'pattern':
      return errorIssue('value', `${where}: ${showValue(at.value)} is not a valid ${at.fhirType ?? 'value'}`, where);
    case 'minItems':
      return errorIssue('structure', `${where}: arrays must not be empty (leave the element out instead)`, where);
    case 'minProperties':
      return errorIssue('structure', `${where}: objects must not be empty (leave the element out instead)`, where);
    case 'discriminator':
      return discriminatorIssue(e, where);
    default:
      return errorIssue('structure', `${where}: ${e.message ?? e.keyword}`, where);
  }
}

/** Keywords that mean "this is not even the right kind of JSON value": they hide the others. */
const SHAPE_KEYWORDS = new Set(['type', 'discriminator']);

export function ajvIssues(errors: readonly ErrorObject[], root: JsonObject, locator: Locator): Issue[] {
  const shapeErrorAt = new Set<string>();
  for (const e of errors) if (SHAPE_KEYWORDS.has(e.keyword)) shapeErrorAt.add(e.instancePath);
  const issues: Issue[] = [];
  const reportedShape = new Set<string>();
  for (const e of errors) {
    if (shapeErrorAt.has(e.instancePath)) {
      // One issue per badly shaped value, not one per failing keyword.
      if (!SHAPE_KEYWORDS.has(e.keyword) || reportedShape.has(e.instancePath)) continue;
      reportedShape.add(e.instancePath);
    }
    // A discriminator already explains every failure of oneOf's branches.
    if (e.keyword === 'oneOf') continue;
    issues.push(oneIssue(e, root, locator));
  }
  return issues;
}
