import { informationOutcome } from '../../errors/outcome.js';
import { returnPreference } from '../../http/prefer.js';
import { renderOptions, sendBody, sendOutcome, sendResource } from '../../http/respond.js';
import { etag } from '../../http/versioning.js';
import type { StoredVersion } from '../../store/types.js';
import type { Written } from '../repository/types.js';
import type { RouteContext } from './context.js';

export function versionUrl(base: string, type: string, id: string, versionId: number): string {
  return `${base}/${type}/${id}/_history/${versionId}`;
}

export function setVersionHeaders(ctx: RouteContext, versionId: number, lastUpdated: Date): void {
  ctx.set('ETag', etag(versionId));
  ctx.set('Last-Modified', lastUpdated.toUTCString());
}

/** Honours `Prefer: return=` for a write (https://hl7.org/fhir/R4/http.html#ops). */
function sendPreferred(ctx: RouteContext, status: number, body: string | object, message: string): void {
  switch (returnPreference(ctx.get('prefer') || undefined)) {
    case 'minimal':
      sendBody(ctx, status, '');
      return;
    case 'OperationOutcome':
      sendOutcome(ctx, status, informationOutcome(message));
      return;
    case 'representation':
      sendResource(ctx, status, body, renderOptions(ctx));
  }
}

/** The response to a successful create or update: 201/200, Location, ETag, Last-Modified. */
export function sendWritten(ctx: RouteContext, base: string, w: Written): void {
  setVersionHeaders(ctx, w.versionId, w.lastUpdated);
  ctx.set('Location', versionUrl(base, w.resourceType, w.id, w.versionId));
  const verb = w.created ? 'Created' : 'Updated';
  sendPreferred(ctx, w.created ? 201 : 200, w.resource, `${verb} ${w.resourceType}/${w.id} version ${w.versionId}`);
}

/** A conditional create that found its match: 200 with the existing resource. */
export function sendExisting(ctx: RouteContext, base: string, s: StoredVersion): void {
  setVersionHeaders(ctx, s.versionId, s.lastUpdated);
  ctx.set('Location', versionUrl(base, s.resourceType, s.id, s.versionId));
  sendPreferred(ctx, 200, s.json ?? '{}', `${s.resourceType}/${s.id} already exists; nothing was created`);
}
