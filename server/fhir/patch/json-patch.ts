/**
 * JSON Patch (RFC 6902) for the FHIR patch interaction
 * (https://hl7.org/fhir/R4/http.html#patch), applied with fast-json-patch.
 *
 * The operations document is checked first so that a malformed one is a 400 naming
 * the operation; a patch that is well formed but cannot apply to this resource (a
 * failed `test`, a path that does not exist, an index out of range) is a 422.
 */
import jsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { FhirError } from '../../errors/fhir-error.js';

type OpName = Operation['op'];

const OPS: ReadonlySet<string> = new Set<OpName>(['add', 'remove', 'replace', 'move', 'copy', 'test']);
const NEEDS_VALUE: ReadonlySet<string> = new Set<OpName>(['add', 'replace', 'test']);
const NEEDS_FROM: ReadonlySet<string> = new Set<OpName>(['move', 'copy']);
/** fast-json-patch error names meaning "well formed, but not applicable to this document". */
const NOT_APPLICABLE: ReadonlySet<string> = new Set([
  'TEST_OPERATION_FAILED',
  'OPERATION_PATH_UNRESOLVABLE',
  'OPERATION_FROM_UNRESOLVABLE',
  'OPERATION_PATH_CANNOT_ADD',
  'OPERATION_PATH_ILLEGAL_ARRAY_INDEX',
  'OPERATION_VALUE_OUT_OF_BOUNDS',
]);

/**
 * Applies an RFC 6902 patch to a copy of `resource` and returns the copy; neither
 * argument is modified. Throws only FhirError. The result is not validated: the
 * caller checks it is still a valid resource of the same type and id.
 */
export function applyJsonPatch(resource: Readonly<Record<string, unknown>>, patch: unknown): Record<string, unknown> {
  const operations = parseOperations(patch);
  const document: Record<string, unknown> = structuredClone(resource);
  let result: unknown;
  try {
    result = jsonPatch.applyPatch(document, operations, true, true, true).newDocument;
  } catch (err) {
    throw patchFailure(err);
  }
  if (!isObject(result)) throw new FhirError('unprocessable', 'JSON Patch must leave a resource (a JSON object)');
  return result;
}

/** Checks the document's shape; returns a copy so applied values share nothing with `patch`. */
function parseOperations(patch: unknown): Operation[] {
  if (!Array.isArray(patch)) throw new FhirError('invalid', 'JSON Patch body must be an array of operations');
  (patch as unknown[]).forEach((operation, index) => {
    const problem = operationProblem(operation);
    if (problem !== undefined) throw new FhirError('invalid', `JSON Patch operation ${index}: ${problem}`);
  });
  return structuredClone(patch) as Operation[];
}

function operationProblem(operation: unknown): string | undefined {
  if (!isObject(operation)) return 'must be an object';
  const { op, path, from } = operation;
  if (typeof op !== 'string' || !OPS.has(op)) return `unknown op ${JSON.stringify(op)}; expected one of ${[...OPS].join(', ')}`;
  if (!isPointer(path)) return "'path' must be a JSON Pointer ('' or starting with '/')";
  if (NEEDS_VALUE.has(op) && !Object.hasOwn(operation, 'value')) return `'${op}' requires 'value'`;
  if (NEEDS_FROM.has(op) && !isPointer(from)) return `'${op}' requires 'from' as a JSON Pointer`;
  return undefined;
}

/** RFC 6901: '' or '/'-separated tokens where '~' is only ever '~0' or '~1'. */
const isPointer = (value: unknown): value is string =>
  typeof value === 'string' && (value === '' || value.startsWith('/')) && !/~(?![01])/.test(value);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function patchFailure(err: unknown): FhirError {
  if (err instanceof jsonPatch.JsonPatchError) {
    const where = err.index === undefined ? 'JSON Patch' : `JSON Patch operation ${err.index}`;
    const kind = NOT_APPLICABLE.has(err.name) ? 'unprocessable' : 'invalid';
    return new FhirError(kind, `${where}: ${err.message.split('\n')[0] ?? err.name}`, { cause: err });
  }
  // fast-json-patch throws a plain TypeError for `__proto__`/`constructor` paths.
  if (err instanceof TypeError && err.message.includes('__proto__')) return new FhirError('invalid', 'JSON Patch: path is not allowed', { cause: err });
  return new FhirError('internal', 'JSON Patch failed unexpectedly', { cause: err });
}
