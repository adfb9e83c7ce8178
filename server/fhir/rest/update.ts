import { invalid } from '../../errors/fhir-error.js';
import { readJsonBody } from '../../http/body.js';
import { requestBodyKind } from '../../http/negotiate.js';
import { parseVersionTag } from '../../http/versioning.js';
import { isValidId } from '../model/ids.js';
import { param, rawQuery, type RestDeps, type RouteHandler } from './context.js';
import { sendWritten } from './write-response.js';

/** update: PUT [base]/[type]/[id], update-as-create for a new id (https://hl7.org/fhir/R4/http.html#update). */
export function update(deps: RestDeps): RouteHandler {
  return async function updateResource(ctx) {
    ctx.state.interaction = 'update';
    const type = param(ctx, 'type');
    const id = param(ctx, 'id');
    if (!isValidId(id)) throw invalid(`'${id}' is not a valid id ([A-Za-z0-9-.]{1,64})`);
    requestBodyKind(ctx.get('content-type'), false);
    const ifMatch = parseVersionTag(ctx.get('if-match'), 'If-Match');
    const body = await readJsonBody(ctx, deps.maxBodyBytes);
    sendWritten(ctx, deps.baseUrl, await deps.repository.update(type, id, body, ifMatch, ctx.state.access?.writeHook));
  };
}

/** Conditional update: PUT [base]/[type]?criteria (https://hl7.org/fhir/R4/http.html#cond-update). */
export function conditionalUpdate(deps: RestDeps): RouteHandler {
  return async function updateByCriteria(ctx) {
    ctx.state.interaction = 'update';
    requestBodyKind(ctx.get('content-type'), false);
    const ifMatch = parseVersionTag(ctx.get('if-match'), 'If-Match');
    const body = await readJsonBody(ctx, deps.maxBodyBytes);
    const w = await deps.repository.conditionalUpdate(param(ctx, 'type'), rawQuery(ctx), body, ifMatch, ctx.state.access?.writeHook);
    sendWritten(ctx, deps.baseUrl, w);
  };
}
