import { renderOptions, sendResource } from '../../http/respond.js';
import { notModified, parseIfNoneMatch, type ReadConditions } from '../../http/conditional-read.js';
import type { StoredVersion } from '../../store/types.js';
import { param, type RestDeps, type RouteContext, type RouteHandler } from './context.js';
import { setVersionHeaders } from './write-response.js';

/** If-None-Match / If-Modified-Since (https://hl7.org/fhir/R4/http.html#cread); an unreadable date is ignored, as HTTP says. */
function readConditions(ctx: RouteContext): ReadConditions {
  const since = Date.parse(ctx.get('if-modified-since'));
  return {
    ifNoneMatch: parseIfNoneMatch(ctx.get('if-none-match'), 'If-None-Match'),
    ifModifiedSince: Number.isNaN(since) ? undefined : new Date(since),
  };
}

/** Sends a stored version, or 304 when the client's copy is current. */
export function sendStored(ctx: RouteContext, s: StoredVersion): void {
  const options = renderOptions(ctx);
  setVersionHeaders(ctx, s.versionId, s.lastUpdated);
  if (notModified(readConditions(ctx), s.versionId, s.lastUpdated)) {
    ctx.status = 304;
    return;
  }
  sendResource(ctx, 200, s.json ?? '{}', options);
}

/** read: GET [base]/[type]/[id] (https://hl7.org/fhir/R4/http.html#read). */
export function read(deps: RestDeps): RouteHandler {
  return async function readResource(ctx) {
    ctx.state.interaction = 'read';
    sendStored(ctx, await deps.repository.read(param(ctx, 'type'), param(ctx, 'id')));
  };
}
