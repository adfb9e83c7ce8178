import { invalid, unprocessable } from '../../errors/fhir-error.js';
import type { Issue } from '../../errors/issue.js';
import { isJsonObject, setOwn } from '../model/json-object.js';
import type { Validator } from '../validation/index.js';
import type { ResourceJson } from './types.js';

/** Elements of meta that only the server writes. */
const SERVER_META = new Set(['versionId', 'lastUpdated', '_versionId', '_lastUpdated']);

/** A request body shaped for storage, and the form it is validated in. */
export interface Shaped {
  readonly resource: ResourceJson;
  /** The resource without an empty meta: an empty object is not valid FHIR JSON. */
  readonly forValidation: ResourceJson;
}

/**
 * Shapes a request body for storage: it must be a resource of the URL's type; the
 * server owns `id` and `meta.versionId` / `meta.lastUpdated`
 * (https://hl7.org/fhir/R4/http.html#create), every other meta element (profiles,
 * tags, security labels, source) is kept. Not validated yet (see prepareForWrite).
 */
export function shapeForWrite(resourceType: string, body: unknown, id: string): Shaped {
  if (!isJsonObject(body)) throw invalid('The request body must be a JSON object (a FHIR resource)');
  if (body['resourceType'] !== resourceType) {
    throw invalid(
      `The resource type in the body (${String(body['resourceType'])}) does not match the URL (${resourceType})`,
      [`${resourceType}.resourceType`],
    );
  }
  const meta = body['meta'];
  if (meta !== undefined && !isJsonObject(meta)) {
    throw unprocessable([
      { severity: 'error', code: 'structure', diagnostics: 'meta must be an object', expression: [`${resourceType}.meta`] },
    ]);
  }
  const keptMeta: Record<string, unknown> = {};
  let metaKept = false;
  if (meta !== undefined) {
    for (const k in meta) {
      if (SERVER_META.has(k)) continue;
      setOwn(keptMeta, k, meta[k]);
      metaKept = true;
    }
  }
  const resource = withBodyMembers({ resourceType, id, meta: keptMeta }, body);
  const forValidation = metaKept ? resource : withBodyMembers({ resourceType, id }, body);
  return { resource, forValidation };
}

/** Members the server sets itself in shapeForWrite; the body's own are not copied. */
const SERVER_SET: ReadonlySet<string> = new Set(['resourceType', 'id', 'meta']);

/**
 * `head`, then every other member of the body in its order. A loop rather than
 * `{ ...rest }` destructuring, which copied the top level twice (a few per cent of
 * a bulk load's allocation).
 */
function withBodyMembers(head: ResourceJson, body: Record<string, unknown>): ResourceJson {
  for (const k in body) if (!SERVER_SET.has(k)) setOwn(head, k, body[k]);
  return head;
}

/** Throws 422 with the validation errors of `issues`, if there are any. */
export function rejectErrors(issues: readonly Issue[]): void {
  const errors = issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
  if (errors.length > 0) throw unprocessable(errors);
}

/** Makes a request body ready to store (shapeForWrite); it must pass validation (422). */
export function prepareForWrite(
  validator: Validator,
  resourceType: string,
  body: unknown,
  id: string,
): ResourceJson {
  const { resource, forValidation } = shapeForWrite(resourceType, body, id);
  rejectErrors(validator.validate(forValidation));
  return resource;
}

/** The resource as returned to the client: meta stamped with the stored version. */
export function stamped(resource: ResourceJson, versionId: number, lastUpdated: Date): ResourceJson {
  const meta = isJsonObject(resource['meta']) ? resource['meta'] : {};
  return { ...resource, meta: { ...meta, versionId: String(versionId), lastUpdated: lastUpdated.toISOString() } };
}
