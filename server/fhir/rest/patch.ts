import { readJsonBody } from '../../http/body.js';
import { requestBodyKind } from '../../http/negotiate.js';
import { parseVersionTag } from '../../http/versioning.js';
import { applyFhirPathPatch } from '../patch/fhirpath-patch.js';
import { applyJsonPatch } from '../patch/json-patch.js';
import type { PatchFn } from '../repository/types.js';
import { param, rawQuery, type RestDeps, type RouteContext, type RouteHandler } from './context.js';
import { sendWritten } from './write-response.js';

/**
 * The patch a request carries: JSON Patch for application/json-patch+json, a
 * FHIRPath Patch Parameters resource for FHIR JSON (https://hl7.org/fhir/R4/http.html#patch).
 */
async function patchFromRequest(ctx: RouteContext, deps: RestDeps): Promise<PatchFn> {
  const kind = requestBodyKind(ctx.get('content-type'), true);
  const body = await readJsonBody(ctx, deps.maxBodyBytes);
  return kind === 'json-patch' ? (r) => applyJsonPatch(r, body) : (r) => applyFhirPathPatch(r, body);
}

/** patch: PATCH [base]/[type]/[id]. */
export function patch(deps: RestDeps): RouteHandler {
  return async function patchResource(ctx) {
    ctx.state.interaction = 'patch';
    const ifMatch = parseVersionTag(ctx.get('if-match'), 'If-Match');
    const apply = await patchFromRequest(ctx, deps);
    sendWritten(ctx, deps.baseUrl, await deps.repository.patch(param(ctx, 'type'), param(ctx, 'id'), apply, ifMatch, ctx.state.access?.writeHook));
  };
}

/** Conditional patch: PATCH [base]/[type]?criteria (exactly one match). */
export function conditionalPatch(deps: RestDeps): RouteHandler {
  return async function patchByCriteria(ctx) {
    ctx.state.interaction = 'patch';
    const type = param(ctx, 'type');
    const ifMatch = parseVersionTag(ctx.get('if-match'), 'If-Match');
    const apply = await patchFromRequest(ctx, deps);
    sendWritten(ctx, deps.baseUrl, await deps.repository.conditionalPatch(type, rawQuery(ctx), apply, ifMatch, ctx.state.access?.writeHook));
  };
}
