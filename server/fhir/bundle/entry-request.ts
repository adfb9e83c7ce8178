import { FhirError, invalid } from '../../errors/fhir-error.js';
import { isJsonObject, type JsonObject } from '../model/json-object.js';
import { isValidId } from '../model/ids.js';
import { isResourceType } from '../model/resource-types.js';
import { parseIfNoneMatch, type ReadConditions } from '../../http/conditional-read.js';
import { parseVersionTag } from '../../http/versioning.js';

/** Bundle.entry.request.method (https://hl7.org/fhir/R4/valueset-http-verb.html). */
export type EntryMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What one Bundle entry asks for, parsed from `request.url` and checked against its method. */
export interface EntryRequest {
  /** Position in Bundle.entry: responses and errors name the entry by it. */
  readonly index: number;
  readonly method: EntryMethod;
  readonly fullUrl: string | undefined;
  readonly resource: JsonObject | undefined;
  readonly resourceType: string;
  /** `Type/id` URLs. */
  readonly id: string | undefined;
  /** `Type/id/_history/vid` (vread). */
  readonly versionId: number | undefined;
  /** The query of `Type?query`: conditional criteria for PUT / PATCH / DELETE. */
  readonly query: string | undefined;
  readonly ifNoneExist: string | undefined;
  readonly ifMatch: number | undefined;
  /** request.ifNoneMatch / ifModifiedSince of a GET or HEAD: 304 when the client's copy is current. */
  readonly readConditions: ReadConditions;
  /** request.url relative to the server base (`Patient/1`, `Patient?identifier=x`). */
  readonly url: string;
  /** For messages: `POST Observation`. */
  readonly label: string;
}

const METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);

/** request.ifMatch: a version tag as in the If-Match header (https://hl7.org/fhir/R4/http.html#concurrency). */
function versionTag(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw invalid(`request.${name} must be a version tag such as W/"3"`);
  return parseVersionTag(value, `request.${name}`);
}

function optionalString(obj: JsonObject, key: string, where: string): string | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw invalid(`${where}.${key} must be a non-empty string`);
  return v;
}

/**
 * The path of `request.url` relative to the server base: `Patient`, `Patient/1`,
 * `Patient?identifier=x`. An absolute URL must start with our own base
 * (https://hl7.org/fhir/R4/bundle-definitions.html#Bundle.entry.request.url).
 */
function relativeUrl(url: string, serverBase: string): string {
  if (/^https?:\/\//i.test(url)) {
    if (!url.startsWith(`${serverBase}/`)) throw invalid(`request.url ${url} is not on this server (${serverBase})`);
    return url.slice(serverBase.length + 1);
  }
  return url.startsWith('/') ? url.slice(1) : url;
}

interface Target {
  readonly resourceType: string;
  readonly id: string | undefined;
  readonly versionId: number | undefined;
  readonly query: string | undefined;
}

function parseTarget(path: string): Target {
  const q = path.indexOf('?');
  const query = q < 0 ? undefined : path.slice(q + 1);
  const segments = (q < 0 ? path : path.slice(0, q)).split('/');
  const [resourceType = '', id, history, vid, ...rest] = segments;
  if (!isResourceType(resourceType)) {
    throw new FhirError('notFound', `request.url does not start with a known resource type (${resourceType || 'empty'})`);
  }
  if (id !== undefined && !isValidId(id)) throw invalid(`request.url: '${id}' is not a valid id`);
  if (history !== undefined && (history !== '_history' || vid === undefined || rest.length > 0)) {
    throw invalid('request.url: only [type], [type]/[id], [type]/[id]/_history/[vid] and [type]?[criteria] are supported in Bundles');
  }
  if (vid !== undefined && !/^[1-9]\d{0,8}$/.test(vid)) throw invalid(`request.url: '${vid}' is not a version id`);
  return { resourceType, id, versionId: vid === undefined ? undefined : Number(vid), query: query === '' ? undefined : query };
}

/** The shape each method needs (https://hl7.org/fhir/R4/http.html#transaction). */
function checkShape(method: EntryMethod, t: Target, resource: JsonObject | undefined): void {
  const needsResource = method === 'POST' || method === 'PUT' || method === 'PATCH';
  if (needsResource && resource === undefined) throw invalid(`A ${method} entry needs a resource`);
  if (t.versionId !== undefined && method !== 'GET' && method !== 'HEAD') throw invalid(`${method} cannot address a version`);
  switch (method) {
    case 'POST':
      if (t.id !== undefined || t.query !== undefined) throw invalid('A POST entry has request.url [type] (no id, no criteria)');
      if (resource?.['resourceType'] !== t.resourceType) {
        throw invalid(`The resource type (${String(resource?.['resourceType'])}) does not match request.url (${t.resourceType})`);
      }
      return;
    case 'PUT':
      if (resource?.['resourceType'] !== t.resourceType) {
        throw invalid(`The resource type (${String(resource?.['resourceType'])}) does not match request.url (${t.resourceType})`);
      }
      if (t.id === undefined && t.query === undefined) throw invalid('A PUT entry needs [type]/[id] or [type]?[criteria]');
      return;
    case 'PATCH':
    case 'DELETE':
      if (t.id === undefined && t.query === undefined) throw invalid(`A ${method} entry needs [type]/[id] or [type]?[criteria]`);
      return;
    case 'GET':
    case 'HEAD':
      return;
  }
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

/** request.ifNoneMatch / request.ifModifiedSince (conditional read, https://hl7.org/fhir/R4/http.html#cread): GET and HEAD only. */
function readConditionsOf(request: JsonObject, method: EntryMethod): ReadConditions {
  const inm = optionalString(request, 'ifNoneMatch', 'request');
  const ims = optionalString(request, 'ifModifiedSince', 'request');
  if ((inm !== undefined || ims !== undefined) && method !== 'GET' && method !== 'HEAD') {
    throw invalid(`request.${inm === undefined ? 'ifModifiedSince' : 'ifNoneMatch'} is only meaningful on GET and HEAD`);
  }
  const since = ims === undefined ? undefined : Date.parse(ims);
  // An instant carries its time zone (https://hl7.org/fhir/R4/datatypes.html#instant): without one the time is ambiguous.
  if (since !== undefined && (Number.isNaN(since) || !INSTANT.test(ims ?? ''))) throw invalid(`request.ifModifiedSince must be an instant such as 2024-05-01T12:00:00Z (got ${ims ?? ''})`);
  return { ifNoneMatch: parseIfNoneMatch(inm, 'request.ifNoneMatch'), ifModifiedSince: since === undefined ? undefined : new Date(since) };
}

/**
 * Parses Bundle.entry[index]. Throws FhirError (unnamed; the caller adds the entry)
 * when the entry cannot be processed at all.
 */
export function parseEntry(raw: unknown, index: number, serverBase: string): EntryRequest {
  if (!isJsonObject(raw)) throw invalid('A Bundle entry must be an object');
  const fullUrl = optionalString(raw, 'fullUrl', 'entry');
  const resource = raw['resource'];
  if (resource !== undefined && !isJsonObject(resource)) throw invalid('entry.resource must be a resource (JSON object)');
  const request = raw['request'];
  if (!isJsonObject(request)) throw invalid('entry.request is required in batch and transaction Bundles');
  const method = request['method'];
  if (typeof method !== 'string' || !METHODS.has(method)) throw invalid('request.method must be one of GET, HEAD, POST, PUT, PATCH, DELETE');
  const url = optionalString(request, 'url', 'request');
  if (url === undefined) throw invalid('request.url is required');
  const relative = relativeUrl(url, serverBase);
  const target = parseTarget(relative);
  const m = method as EntryMethod;
  checkShape(m, target, resource);
  const ifNoneExist = optionalString(request, 'ifNoneExist', 'request');
  if (ifNoneExist !== undefined && m !== 'POST') throw invalid('request.ifNoneExist is only meaningful on POST');
  return {
    index,
    method: m,
    fullUrl,
    resource,
    ...target,
    ifNoneExist: ifNoneExist?.replace(/^\?/, '').replace(/^[A-Za-z]+\?/, ''),
    ifMatch: versionTag(request['ifMatch'], 'ifMatch'),
    readConditions: readConditionsOf(request, m),
    url: relative,
    // Method and type only: ids and criteria can be another patient's data (the entry index names it).
    label: `${m} ${target.resourceType}`,
  };
}
