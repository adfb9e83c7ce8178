import { informationOutcome } from '../../errors/outcome.js';
import { returnPreference } from '../../http/prefer.js';
import { sendOutcome } from '../../http/respond.js';
import { etag, parseVersionTag } from '../../http/versioning.js';
import type { Deleted } from '../repository/types.js';
import { param, rawQuery, type RestDeps, type RouteContext, type RouteHandler } from './context.js';

/**
 * 204 after a delete, or 200 with an OperationOutcome when the client prefers one
 * (https://hl7.org/fhir/R4/http.html#delete). Deleting what is already gone (or
 * never was) succeeds the same way: the spec makes delete idempotent.
 */
function sendDeleted(ctx: RouteContext, what: string, d: Deleted): void {
  if (d.versionId !== undefined) ctx.set('ETag', etag(d.versionId));
  if (returnPreference(ctx.get('prefer') || undefined) === 'OperationOutcome') {
    const message = d.versionId === undefined ? `${what}: nothing to delete` : `${what}: deleted (version ${d.versionId})`;
    sendOutcome(ctx, 200, informationOutcome(message));
  } else {
    ctx.status = 204;
  }
}

/** delete: DELETE [base]/[type]/[id]. */
export function deleteResource(deps: RestDeps): RouteHandler {
  return async function deleteById(ctx) {
    ctx.state.interaction = 'delete';
    const type = param(ctx, 'type');
    const id = param(ctx, 'id');
    const ifMatch = parseVersionTag(ctx.get('if-match'), 'If-Match');
    sendDeleted(ctx, `${type}/${id}`, await deps.repository.delete(type, id, ifMatch, ctx.state.access?.writeHook));
  };
}

/** Conditional delete: DELETE [base]/[type]?criteria (single match; several give 412). */
export function conditionalDelete(deps: RestDeps): RouteHandler {
  return async function deleteByCriteria(ctx) {
    ctx.state.interaction = 'delete';
    const type = param(ctx, 'type');
    sendDeleted(ctx, `${type}?${rawQuery(ctx)}`, await deps.repository.conditionalDelete(type, rawQuery(ctx), ctx.state.access?.writeHook));
  };
}
