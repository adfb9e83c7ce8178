import { parseVersionTag } from './versioning.js';

/**
 * What the client already holds, for a conditional read
 * (https://hl7.org/fhir/R4/http.html#cread): from the If-None-Match / If-Modified-Since
 * headers, or a Bundle entry's request.ifNoneMatch / request.ifModifiedSince.
 */
export interface ReadConditions {
  /** The version the client has, or `*` (whatever version). */
  readonly ifNoneMatch: number | '*' | undefined;
  readonly ifModifiedSince: Date | undefined;
}

/** An If-None-Match value (`W/"3"`, `"3"`, `3` or `*`); `name` names it in the 400. */
export function parseIfNoneMatch(value: string | undefined, name: string): number | '*' | undefined {
  if (value?.trim() === '*') return '*';
  return parseVersionTag(value, name);
}

/**
 * Whether the stored version is the client's copy, so the answer is 304 Not Modified.
 * If-None-Match decides when present, If-Modified-Since only without it (RFC 9110
 * section 13.2.2); HTTP dates have whole seconds, so the times compare at that precision.
 */
export function notModified(c: ReadConditions, versionId: number, lastUpdated: Date): boolean {
  if (c.ifNoneMatch !== undefined) return c.ifNoneMatch === '*' || c.ifNoneMatch === versionId;
  if (c.ifModifiedSince === undefined) return false;
  return Math.floor(lastUpdated.getTime() / 1000) * 1000 <= c.ifModifiedSince.getTime();
}
