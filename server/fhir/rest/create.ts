import { readJsonBody } from '../../http/body.js';
import { requestBodyKind } from '../../http/negotiate.js';
import { param, type RestDeps, type RouteHandler } from './context.js';
import { sendExisting, sendWritten } from './write-response.js';

/** create: POST [base]/[type], conditional with If-None-Exist (https://hl7.org/fhir/R4/http.html#create). */
export function create(deps: RestDeps): RouteHandler {
  return async function createResource(ctx) {
    ctx.state.interaction = 'create';
    requestBodyKind(ctx.get('content-type'), false);
    const body = await readJsonBody(ctx, deps.maxBodyBytes);
    const ifNoneExist = ctx.get('if-none-exist');
    const result = await deps.repository.create(param(ctx, 'type'), body, ifNoneExist === '' ? {} : { ifNoneExist }, ctx.state.access?.writeHook);
    if (result.kind === 'existing') sendExisting(ctx, deps.baseUrl, result.stored);
    else sendWritten(ctx, deps.baseUrl, result);
  };
}
