import type { Issue } from '../../errors/issue.js';
import { invalid } from '../../errors/fhir-error.js';
import { toOperationOutcome } from '../../errors/outcome.js';
import { isJsonObject, type JsonObject } from '../model/json-object.js';
import { primitiveParam } from './input.js';
import { officialDefinition, resourceParam } from './terminology-input.js';
import type { FhirOperation, OperationDeps, OperationRequest } from './types.js';

/**
 * $validate (https://hl7.org/fhir/R4/resource-operation-validate.html) at type and instance
 * level: the resource (a `resource` parameter, or posted directly) is validated as a write
 * would validate it — structure, R4 invariants and bindings, meta.profile, this server's
 * required profiles — plus the `profile` asked for. `mode`: create / update (the id must fit
 * the instance) / delete (the instance must exist) / profile. The answer is always an
 * OperationOutcome with status 200; its issues say whether the resource is valid.
 */

const MODES = new Set(['create', 'update', 'delete', 'profile']);

function err(code: Issue['code'], diagnostics: string, expression?: string): Issue {
  return { severity: 'error', code, diagnostics, ...(expression === undefined ? {} : { expression: [expression] }) };
}

async function stored(deps: OperationDeps, type: string, id: string): Promise<JsonObject> {
  const current = await deps.repository.read(type, id);
  return JSON.parse(current.json ?? '{}') as JsonObject;
}

function givenResource(request: OperationRequest): JsonObject | undefined {
  const input = request.input;
  if (input['resourceType'] === 'Parameters') return resourceParam(input, 'resource');
  return isJsonObject(input) && request.method === 'POST' ? input : undefined;
}

function idChecks(request: OperationRequest, resource: JsonObject, mode: string | undefined, issues: Issue[]): void {
  const type = request.resourceType ?? '';
  if (resource['resourceType'] !== type) {
    issues.push(err('invalid', `The resource is a ${String(resource['resourceType'])}, but $validate was called on ${type}`, 'resourceType'));
  }
  const bodyId = typeof resource['id'] === 'string' ? resource['id'] : undefined;
  if (request.id !== undefined && bodyId !== undefined && bodyId !== request.id) {
    issues.push(err('invalid', `The resource id (${bodyId}) is not the instance's (${request.id})`, `${type}.id`));
  }
  if (mode === 'update' && bodyId === undefined && request.id === undefined) {
    issues.push(err('required', 'An update needs the resource id (https://hl7.org/fhir/R4/http.html#update)', `${type}.id`));
  }
}

export const resourceValidate: FhirOperation = {
  code: 'validate',
  definition: officialDefinition('Resource-validate'),
  resourceTypes: '*',
  levels: ['type', 'instance'],
  idempotent: true,
  async handle(request, deps) {
    await deps.conformance.ensureFresh();
    const type = request.resourceType ?? '';
    const mode = primitiveParam(request.input, 'mode');
    if (mode !== undefined && !MODES.has(mode)) throw invalid(`mode must be one of create, update, delete, profile (got '${mode}')`);
    if (mode === 'delete') {
      if (request.id === undefined) throw invalid('mode=delete needs an instance: POST [base]/[type]/[id]/$validate');
      await stored(deps, type, request.id); // 404 / 410 when there is nothing to delete
      // No referential integrity is enforced on delete (https://hl7.org/fhir/R4/http.html#delete).
      const ok = toOperationOutcome([{ severity: 'information', code: 'informational', diagnostics: `${type}/${request.id} may be deleted` }]);
      return { status: 200, resource: ok as unknown as JsonObject };
    }
    let resource = givenResource(request);
    if (resource === undefined) {
      if (request.id === undefined) throw invalid('$validate needs the resource: a `resource` parameter, or the resource as the body');
      resource = await stored(deps, type, request.id);
    }
    const issues: Issue[] = [];
    idChecks(request, resource, mode ?? (request.id === undefined ? 'create' : 'update'), issues);
    const profile = primitiveParam(request.input, 'profile');
    issues.push(...deps.conformance.validator.validate(resource, profile === undefined ? {} : { profiles: [profile] }));
    const outcome = issues.length > 0 ? issues : [{ severity: 'information' as const, code: 'informational' as const, diagnostics: 'No issues found: the resource is valid' }];
    return { status: 200, resource: toOperationOutcome(outcome) as unknown as JsonObject };
  },
};
