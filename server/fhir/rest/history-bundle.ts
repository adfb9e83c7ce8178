import type { StoredVersion } from '../../store/types.js';
import { etag } from '../../http/versioning.js';

/** Where a history entry's request went, per the method that made the version. */
function requestUrl(v: StoredVersion): string {
  return v.method === 'POST' ? v.resourceType : `${v.resourceType}/${v.id}`;
}

function responseStatus(v: StoredVersion): string {
  if (v.deleted) return '204';
  return v.versionId === 1 || v.method === 'POST' ? '201' : '200';
}

/**
 * One history entry (https://hl7.org/fhir/R4/bundle.html, type `history`). The
 * stored resource text is spliced in unparsed; deleted versions carry no resource.
 */
function entryJson(base: string, v: StoredVersion): string {
  const request = { method: v.method, url: requestUrl(v) };
  const response = { status: responseStatus(v), etag: etag(v.versionId), lastModified: v.lastUpdated.toISOString() };
  const fullUrl = JSON.stringify(`${base}/${v.resourceType}/${v.id}`);
  const resource = v.json === null ? '' : `"resource":${v.json},`;
  return `{"fullUrl":${fullUrl},${resource}"request":${JSON.stringify(request)},"response":${JSON.stringify(response)}}`;
}

export interface HistoryPage {
  readonly versions: readonly StoredVersion[];
  readonly total: number | undefined;
  readonly selfUrl: string;
  readonly nextUrl: string | undefined;
}

export function historyBundleJson(base: string, page: HistoryPage): string {
  const link = [{ relation: 'self', url: page.selfUrl }];
  if (page.nextUrl !== undefined) link.push({ relation: 'next', url: page.nextUrl });
  const head = { resourceType: 'Bundle', type: 'history', ...(page.total === undefined ? {} : { total: page.total }), link };
  const entries = page.versions.map((v) => entryJson(base, v)).join(',');
  return `${JSON.stringify(head).slice(0, -1)},"entry":[${entries}]}`;
}
