import { renderOptions, sendResource } from '../../http/respond.js';
import { parseVersionTag } from '../../http/versioning.js';
import type { StoredVersion } from '../../store/types.js';
import { param, type RestDeps, type RouteContext, type RouteHandler } from './context.js';
import { setVersionHeaders } from './write-response.js';

/** If-None-Match / If-Modified-Since (https://hl7.org/fhir/R4/http.html#cread). */
function notModified(ctx: RouteContext, s: StoredVersion): boolean {
  const inm = ctx.get('if-none-match');
  if (inm !== '') return inm.trim() === '*' || parseVersionTag(inm, 'If-None-Match') === s.versionId;
  const ims = ctx.get('if-modified-since');
  if (ims === '') return false;
  const since = Date.parse(ims);
  // HTTP dates have whole seconds; compare at that precision.
  return !Number.isNaN(since) && Math.floor(s.lastUpdated.getTime() / 1000) * 1000 <= since;
}

/** Sends a stored version, or 304 when the client's copy is current. */
export function sendStored(ctx: RouteContext, s: StoredVersion): void {
  const options = renderOptions(ctx);
  setVersionHeaders(ctx, s.versionId, s.lastUpdated);
  if (notModified(ctx, s)) {
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
