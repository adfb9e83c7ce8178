import { FhirError, notFound } from '../../errors/fhir-error.js';
import { readJsonBody } from '../../http/body.js';
import { requestBodyKind } from '../../http/negotiate.js';
import { renderOptions, sendResource } from '../../http/respond.js';
import type { AppMiddleware } from '../../http/state.js';
import { isResourceType } from '../model/resource-types.js';
import { operationInput, parametersFromQuery } from '../operations/input.js';
import type { FhirOperation, OperationDeps, OperationLevel } from '../operations/types.js';

interface Target {
  readonly level: OperationLevel;
  readonly code: string;
  readonly resourceType?: string;
  readonly id?: string;
}

/** `/fhir/$op`, `/fhir/Type/$op`, `/fhir/Type/id/$op` (https://hl7.org/fhir/R4/operations.html). */
function parseTarget(path: string): Target | undefined {
  const m = /^\/fhir\/(?:([A-Za-z]+)\/(?:([A-Za-z0-9\-.]{1,64})\/)?)?\$([A-Za-z][A-Za-z0-9-]*)$/.exec(path);
  if (m === null) return undefined;
  const [, resourceType, id, code = ''] = m;
  if (resourceType === undefined) return { level: 'system', code };
  return id === undefined ? { level: 'type', code, resourceType } : { level: 'instance', code, resourceType, id };
}

function find(operations: readonly FhirOperation[], t: Target): FhirOperation {
  if (t.resourceType !== undefined && !isResourceType(t.resourceType)) throw notFound(`Unknown resource type '${t.resourceType}'`);
  // Several operations may share a code on different types ($validate-code on ValueSet and CodeSystem).
  const op = operations.find(
    (o) =>
      o.code === t.code &&
      o.levels.includes(t.level) &&
      (t.resourceType === undefined || o.resourceTypes === '*' || o.resourceTypes.includes(t.resourceType)),
  );
  if (op === undefined) throw new FhirError('notFound', `Operation $${t.code} is not supported at ${t.level} level${t.resourceType === undefined ? '' : ` on ${t.resourceType}`}`);
  return op;
}

/**
 * Dispatches `$operation` URLs to the operation registry before the REST routes
 * see them (a `$op` segment would otherwise look like an id).
 */
export function operationDispatcher(operations: readonly FhirOperation[], deps: OperationDeps, maxBodyBytes: number): AppMiddleware {
  return async function dispatchOperation(ctx, next) {
    const target = parseTarget(ctx.path);
    if (target === undefined) {
      await next();
      return;
    }
    ctx.state.interaction = `operation:${target.code}`;
    const op = find(operations, target);
    if (ctx.method !== 'POST' && !(ctx.method === 'GET' && op.idempotent)) {
      throw new FhirError('methodNotAllowed', `$${op.code} must be invoked with POST${op.idempotent ? ' or GET' : ''}`, {
        headers: { Allow: op.idempotent ? 'GET, POST' : 'POST' },
      });
    }
    const query = new URLSearchParams(ctx.querystring);
    let input;
    if (ctx.method === 'POST') {
      requestBodyKind(ctx.get('content-type'), false);
      input = operationInput(await readJsonBody(ctx, maxBodyBytes));
    } else {
      input = parametersFromQuery(query);
    }
    const result = await op.handle(
      {
        level: target.level,
        method: ctx.method === 'POST' ? 'POST' : 'GET',
        ...(target.resourceType === undefined ? {} : { resourceType: target.resourceType }),
        ...(target.id === undefined ? {} : { id: target.id }),
        input,
        query,
      },
      deps,
    );
    sendResource(ctx, result.status, result.resource, renderOptions(ctx));
  };
}
